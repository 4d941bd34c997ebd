import { createHash, randomBytes } from 'node:crypto';

/** A new secret: shown once, stored only as its hash. */
export function newSecret(kind: 'xp' | 'xpe'): string {
  return `${kind}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What may be shown of a token later, to tell tokens apart. */
export function secretPrefix(secret: string): string {
  return secret.slice(0, 10);
}
