import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A webhook's signing secret: shown once when the webhook is made, stored to sign with. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * X-Xenplane-Signature of a delivery: `sha256=` and the hex HMAC-SHA256, keyed by the webhook's
 * secret, of `<X-Xenplane-Timestamp>.<body>`. The timestamp is signed so that a receiver can
 * refuse an old delivery replayed (docs/WEBHOOKS.md).
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (the recipe of docs/WEBHOOKS.md): compare in constant time. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  if (!/^\d{1,15}$/.test(timestamp)) return false;
  const expected = Buffer.from(webhookSignature(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
