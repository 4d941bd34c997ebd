import { cloneName, cloneNoRoom, cloneRefusal } from './clone';

describe('clone', () => {
  const HOST = '11111111-1111-4111-8111-111111111111';

  it('clones only a stopped VM that holds a host and has no operation open', () => {
    expect(cloneRefusal({ state: 'stopped', hostId: HOST })).toBeUndefined();
    expect(cloneRefusal({ state: 'running', hostId: HOST })).toBe(
      'cannot clone a VM that is running (it must be stopped)',
    );
    expect(cloneRefusal({ state: 'stopped', hostId: null })).toMatch(/no host/);
    expect(cloneRefusal({ state: 'stopped', hostId: HOST, openOperation: 'snapshot' })).toMatch(/snapshot operation/);
  });

  it('names the clone as asked, else after its source and how many clones it has had', () => {
    expect(cloneName('web', 'copy', 3)).toBe('copy');
    expect(cloneName('web', undefined, 0)).toBe('web-clone-1');
    expect(cloneName('web', undefined, 4)).toBe('web-clone-5');
  });

  it('keeps a generated name within 63 characters', () => {
    const long = 'a'.repeat(63);
    const name = cloneName(long, undefined, 9);
    expect(name).toHaveLength(63);
    expect(name.endsWith('-clone-10')).toBe(true);
  });

  it('says why a full host refuses the clone', () => {
    expect(cloneNoRoom('xen-1')).toMatch(/host xen-1.*disks are local/);
  });
});
