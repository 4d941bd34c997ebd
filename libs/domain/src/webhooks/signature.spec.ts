import { createHmac } from 'node:crypto';
import { newWebhookSecret, verifyWebhookSignature, webhookSignature } from './signature';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"1","type":"vm.state"}';

  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>", as docs/WEBHOOKS.md tells receivers', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(webhookSignature(secret, 1_700_000_000, body)).toBe(`sha256=${expected}`);
  });

  it('verifies what it signs, and nothing changed: body, timestamp, secret', () => {
    const sig = webhookSignature(secret, 1_700_000_000, body);
    expect(verifyWebhookSignature(secret, '1700000000', body, sig)).toBe(true);
    expect(verifyWebhookSignature(secret, '1700000001', body, sig)).toBe(false);
    expect(verifyWebhookSignature(secret, '1700000000', body + ' ', sig)).toBe(false);
    expect(verifyWebhookSignature('whsec_other', '1700000000', body, sig)).toBe(false);
    expect(verifyWebhookSignature(secret, '1700000000', body, 'sha256=00')).toBe(false);
    expect(verifyWebhookSignature(secret, 'soon', body, sig)).toBe(false);
  });

  it('makes a new random secret each time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
