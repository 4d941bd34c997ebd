import { type Caller, isGlobal } from '../auth/access';

/**
 * Who sees and changes which image, and what an upload must be: the API's image routes decide
 * with these. An image is public (projectId null: every project sees and uses it, operators and
 * global admins make and change it) or one project's (its members make, see and change it; other
 * projects never see it: 404).
 */
export interface ImageOwnership {
  /** null: public */
  projectId: string | null;
}

/** The only content a host stores (qcow2 and others are converted before upload). */
export const UPLOAD_FORMATS = ['raw'] as const;

const GIB = 1024 ** 3;
const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** Whether the caller sees this image at all (the catalog lists it, a VM may be made of it). */
export function canSeeImage(caller: Pick<Caller, 'projectId'>, image: ImageOwnership): boolean {
  return caller.projectId === null || image.projectId === null || image.projectId === caller.projectId;
}

/**
 * Whether the caller may upload to or delete an image it sees: global tokens any, a project's
 * members its project's images only (a public image is the operators').
 */
export function canChangeImage(caller: Caller, image: ImageOwnership): boolean {
  if (isGlobal(caller)) return caller.role === 'operator' || caller.role === 'admin';
  return image.projectId === caller.projectId && (caller.role === 'member' || caller.role === 'admin');
}

/**
 * Whose a new image is: a project token's always its own project's (naming another is refused);
 * a global token's public, or the project it names.
 */
export function newImageOwner(
  caller: Caller,
  requestedProjectId: string | undefined,
): { ok: true; projectId: string | null } | { ok: false; message: string } {
  if (!isGlobal(caller)) {
    if (requestedProjectId && requestedProjectId !== caller.projectId)
      return { ok: false, message: 'a project token makes images of its own project only' };
    return { ok: true, projectId: caller.projectId };
  }
  return { ok: true, projectId: requestedProjectId ?? null };
}

/** Why a disk format cannot be uploaded, or undefined when it can. */
export function uploadFormatRefusal(diskFormat: string): string | undefined {
  if ((UPLOAD_FORMATS as readonly string[]).includes(diskFormat)) return undefined;
  return (
    `only raw images are uploaded (hosts clone raw images copy-on-write): convert it first, ` +
    `e.g. \`qemu-img convert -O raw image.${diskFormat} image.raw\`, and upload with diskFormat raw`
  );
}

/** The X-Checksum-Sha256 header as lowercase hex; null when absent; an error message when malformed. */
export function expectedChecksum(header: string | undefined): { sha256: string | null } | { refusal: string } {
  if (header === undefined || header === '') return { sha256: null };
  const v = header.trim();
  if (!SHA256_HEX.test(v)) return { refusal: 'X-Checksum-Sha256 must be 64 hexadecimal digits (a sha256)' };
  return { sha256: v.toLowerCase() };
}

/**
 * What a declared Content-Length says before a byte is read: over the limit is refused at once
 * (no part file is written); none (chunked) is counted while streaming.
 */
export function declaredLengthRefusal(contentLength: string | undefined, maxBytes: number): string | undefined {
  if (contentLength === undefined) return undefined;
  const n = Number(contentLength);
  if (!Number.isSafeInteger(n) || n < 0) return undefined; // Node refuses a malformed length itself
  return n > maxBytes ? `the image is ${n} bytes, over the limit of ${maxBytes} (IMAGE_MAX_BYTES)` : undefined;
}

/** The image's size in whole GiB, rounded up: what its sizeGb says once its content is known. */
export function sizeGbOf(sizeBytes: number): number {
  return Math.ceil(sizeBytes / GIB);
}

/**
 * What DELETE does to an image: refused while VMs that are not deleted use it; removed when no
 * VM ever named it; else kept as `deleted` (deleted VMs still name it in their history), its
 * content removed either way.
 */
export function imageDeletion(uses: { live: number; deleted: number }): 'in-use' | 'remove' | 'retire' {
  if (uses.live > 0) return 'in-use';
  return uses.deleted > 0 ? 'retire' : 'remove';
}
