import { createHash, randomBytes } from 'node:crypto';

/** A new secret: shown once, stored only as its hash. */
export function newSecret(kind: 'xp' | 'xpe'): string {
  return `${kind}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * The first characters of a secret newSecret made, to tell tokens apart later: its kind and 7
 * of its 43 random characters. Never of a secret a person chose (see storedPrefix).
 */
export function secretPrefix(secret: string): string {
  return secret.slice(0, 10);
}
