import { createHash } from 'node:crypto';

/**
 * OpenSSH public keys as a tenant gives them (`type base64 [comment]`, one authorized_keys
 * line), checked before anything is stored: a key reaches the guest's authorized_keys, so a
 * newline or an options prefix (`command="..."`) must never get through, and a key that is not
 * one (a private key pasted by mistake, a truncated copy) is refused here, not found out at boot.
 */

export const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

/** Keys a VM may be given at creation (literal keys and keypairs together). */
export const MAX_SSH_KEYS = 10;
/** One key line: a 16384-bit RSA key is ~2.8 KB of base64; anything longer is not a key. */
export const MAX_SSH_KEY_LENGTH = 8192;
export const MAX_SSH_KEY_COMMENT = 255;
/** RSA keys shorter than this are refused (OpenSSH's own minimum is 1024; 2048 is today's floor). */
export const MIN_RSA_BITS = 2048;

/** A keypair's name: what `sshKeys` names it by (no whitespace, so never mistaken for a key). */
export const KEYPAIR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export interface SshPublicKey {
  type: SshKeyType;
  /** the key blob, base64 as given */
  body: string;
  /** empty when the key has none */
  comment: string;
  /** `type body [comment]`, single-spaced: what is stored and what the guest gets */
  line: string;
  /** as `ssh-keygen -l` shows it: SHA256:<base64, unpadded> */
  fingerprint: string;
}

export type SshKeyParse = { key: SshPublicKey } | { refusal: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// any control character (C0, DEL, C1) or a Unicode line/paragraph separator: one line, printable
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const ED25519_KEY_BYTES = 32;

/** Parses one OpenSSH public key line; a refusal says why in words a tenant can act on. */
export function parseSshPublicKey(text: string): SshKeyParse {
  if (text.length > MAX_SSH_KEY_LENGTH) return { refusal: `must be at most ${MAX_SSH_KEY_LENGTH} characters` };
  if (CONTROL.test(text)) return { refusal: 'must be one line of printable characters' };
  const [type, body, ...rest] = text.trim().split(/ +/);
  const comment = rest.join(' ');
  if (!isKeyType(type)) {
    return {
      refusal: `must start with the key type (${SSH_KEY_TYPES.join(', ')}), then the base64 key and an optional comment`,
    };
  }
  if (!body) return { refusal: `has no key after ${type}` };
  if (body.length % 4 !== 0 || !BASE64.test(body)) return { refusal: 'the key is not valid base64' };
  if (comment.length > MAX_SSH_KEY_COMMENT)
    return { refusal: `the comment must be at most ${MAX_SSH_KEY_COMMENT} characters` };
  const blob = Buffer.from(body, 'base64');
  const wrong = blobRefusal(type, blob);
  if (wrong) return { refusal: wrong };
  return {
    key: {
      type,
      body,
      comment,
      line: comment ? `${type} ${body} ${comment}` : `${type} ${body}`,
      fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    },
  };
}

/** What an entry of `sshKeys` is: a literal key (it has whitespace) or a keypair's name. */
export function sshKeyReference(entry: string): { kind: 'literal' } | { kind: 'keypair'; name: string } {
  const trimmed = entry.trim();
  return KEYPAIR_NAME.test(trimmed) ? { kind: 'keypair', name: trimmed } : { kind: 'literal' };
}

function isKeyType(type: string | undefined): type is SshKeyType {
  return (SSH_KEY_TYPES as readonly string[]).includes(type ?? '');
}

/**
 * The blob is what the key says it is: length-prefixed strings (RFC 4253 §6.6), the first of
 * them the same type as the text's, the right count of fields for that type, nothing after.
 */
function blobRefusal(type: SshKeyType, blob: Buffer): string | undefined {
  const fields = sshStrings(blob);
  if (!fields) return 'the key is truncated or is not an OpenSSH public key';
  if (fields[0]!.toString('latin1') !== type) return `the key inside is not a ${type} key`;
  switch (type) {
    case 'ssh-ed25519':
      return fields.length === 2 && fields[1]!.length === ED25519_KEY_BYTES
        ? undefined
        : 'the key is not a valid ssh-ed25519 key';
    case 'ssh-rsa': {
      if (fields.length !== 3) return 'the key is not a valid ssh-rsa key';
      const bits = unsignedBits(fields[2]!);
      return bits < MIN_RSA_BITS
        ? `ssh-rsa keys must have at least ${MIN_RSA_BITS} bits (this one has ${bits})`
        : undefined;
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      const curve = type.slice('ecdsa-sha2-'.length);
      return fields.length === 3 && fields[1]!.toString('latin1') === curve && fields[2]!.length > 0
        ? undefined
        : `the key is not a valid ${type} key`;
    }
  }
}

/** The blob's length-prefixed fields, or undefined when a length runs past the end. */
function sshStrings(blob: Buffer): Buffer[] | undefined {
  const fields: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return undefined;
    const len = blob.readUInt32BE(at);
    at += 4;
    if (at + len > blob.length) return undefined;
    fields.push(blob.subarray(at, at + len));
    at += len;
  }
  return fields.length ? fields : undefined;
}

/** Bits of an SSH mpint (big-endian, maybe a leading zero byte): an RSA modulus's size. */
function unsignedBits(mpint: Buffer): number {
  let i = 0;
  while (i < mpint.length && mpint[i] === 0) i++;
  if (i === mpint.length) return 0;
  return (mpint.length - i - 1) * 8 + (32 - Math.clz32(mpint[i]!));
}
