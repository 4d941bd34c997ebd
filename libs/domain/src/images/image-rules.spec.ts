import {
  canChangeImage,
  canSeeImage,
  declaredLengthRefusal,
  expectedChecksum,
  imageDeletion,
  newImageOwner,
  sizeGbOf,
  uploadFormatRefusal,
} from './image-rules';

const P = '11111111-1111-4111-8111-111111111111';
const Q = '22222222-2222-4222-8222-222222222222';
const member = { role: 'member' as const, projectId: P };
const viewer = { role: 'viewer' as const, projectId: P };
const operator = { role: 'operator' as const, projectId: null };
const admin = { role: 'admin' as const, projectId: null };

describe('who sees an image', () => {
  it('a project its own images and the public ones, never another project’s; global tokens all', () => {
    expect(canSeeImage(member, { projectId: null })).toBe(true);
    expect(canSeeImage(member, { projectId: P })).toBe(true);
    expect(canSeeImage(member, { projectId: Q })).toBe(false);
    expect(canSeeImage(operator, { projectId: Q })).toBe(true);
  });
});

describe('who changes an image (upload, delete)', () => {
  it('a project’s members its own images only; not public ones; viewers none', () => {
    expect(canChangeImage(member, { projectId: P })).toBe(true);
    expect(canChangeImage({ role: 'admin', projectId: P }, { projectId: P })).toBe(true);
    expect(canChangeImage(member, { projectId: null })).toBe(false);
    expect(canChangeImage(member, { projectId: Q })).toBe(false);
    expect(canChangeImage(viewer, { projectId: P })).toBe(false);
  });

  it('operators and global admins any', () => {
    expect(canChangeImage(operator, { projectId: null })).toBe(true);
    expect(canChangeImage(admin, { projectId: Q })).toBe(true);
  });
});

describe('whose a new image is', () => {
  it('a project token’s: its own project’s; naming another is refused', () => {
    expect(newImageOwner(member, undefined)).toEqual({ ok: true, projectId: P });
    expect(newImageOwner(member, P)).toEqual({ ok: true, projectId: P });
    expect(newImageOwner(member, Q)).toMatchObject({ ok: false });
  });

  it('a global token’s: public, or the project it names', () => {
    expect(newImageOwner(operator, undefined)).toEqual({ ok: true, projectId: null });
    expect(newImageOwner(admin, Q)).toEqual({ ok: true, projectId: Q });
  });
});

describe('what an upload must be', () => {
  it('raw only; any other format is refused with how to convert it', () => {
    expect(uploadFormatRefusal('raw')).toBeUndefined();
    expect(uploadFormatRefusal('qcow2')).toContain('qemu-img convert -O raw');
  });

  it('an optional sha256 header: 64 hex digits, read as lowercase', () => {
    expect(expectedChecksum(undefined)).toEqual({ sha256: null });
    expect(expectedChecksum('AB'.repeat(32))).toEqual({ sha256: 'ab'.repeat(32) });
    expect(expectedChecksum('xyz')).toHaveProperty('refusal');
    expect(expectedChecksum('a'.repeat(63))).toHaveProperty('refusal');
  });

  it('a declared length over the limit is refused before a byte is read; none is counted while streaming', () => {
    expect(declaredLengthRefusal('1025', 1024)).toContain('over the limit of 1024');
    expect(declaredLengthRefusal('1024', 1024)).toBeUndefined();
    expect(declaredLengthRefusal(undefined, 1024)).toBeUndefined();
  });

  it('sizes in whole GiB, rounded up', () => {
    expect(sizeGbOf(1)).toBe(1);
    expect(sizeGbOf(1024 ** 3)).toBe(1);
    expect(sizeGbOf(1024 ** 3 + 1)).toBe(2);
  });
});

describe('deleting an image', () => {
  it('is refused while VMs that are not deleted use it; retires it when deleted VMs name it; removes it else', () => {
    expect(imageDeletion({ live: 1, deleted: 5 })).toBe('in-use');
    expect(imageDeletion({ live: 0, deleted: 2 })).toBe('retire');
    expect(imageDeletion({ live: 0, deleted: 0 })).toBe('remove');
  });
});
