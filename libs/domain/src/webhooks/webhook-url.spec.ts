import { addressRefusal, checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH } from './webhook-url';

describe('webhook URLs', () => {
  const ok = (raw: string, allowPrivate = true) => checkWebhookUrl(raw, allowPrivate);

  it('takes http and https URLs, written as the WHATWG parser writes them', () => {
    expect(ok('https://ci.example.com/hook?x=1')).toEqual({ url: 'https://ci.example.com/hook?x=1' });
    expect(ok('HTTP://Example.COM')).toEqual({ url: 'http://example.com/' });
    expect(ok('http://127.0.0.1:8080/h')).toEqual({ url: 'http://127.0.0.1:8080/h' });
  });

  it.each([
    ['ftp://example.com/', 'http or https'],
    ['file:///etc/passwd', 'http or https'],
    ['example.com/hook', 'absolute'],
    ['https://user:pass@example.com/', 'user name or password'],
    ['https://user@example.com/', 'user name or password'],
    ['https://example.com/#frag', 'fragment'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[::ffff:169.254.169.254]/', 'link-local'],
    ['http://0.0.0.0:8080/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
  ])('refuses %s', (raw, why) => {
    expect(ok(raw)).toEqual({ refusal: expect.stringContaining(why) });
  });

  it(`refuses a URL over ${MAX_WEBHOOK_URL_LENGTH} characters`, () => {
    const base = 'https://example.com/';
    expect(ok(base + 'a'.repeat(MAX_WEBHOOK_URL_LENGTH - base.length))).toHaveProperty('url');
    expect(ok(base + 'a'.repeat(MAX_WEBHOOK_URL_LENGTH - base.length + 1))).toEqual({
      refusal: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`,
    });
  });

  it('refuses private and loopback addresses only when the operator does', () => {
    for (const raw of [
      'http://10.1.2.3/',
      'http://127.0.0.1/',
      'http://192.168.1.1/',
      'http://[::1]/',
      'http://[fd00::1]/',
    ]) {
      expect(ok(raw, true)).toHaveProperty('url');
      expect(ok(raw, false)).toEqual({ refusal: expect.stringContaining('WEBHOOK_ALLOW_PRIVATE') });
    }
    // a name is checked where a delivery connects, not here
    expect(ok('http://localhost/', false)).toHaveProperty('url');
  });

  it('checks resolved addresses the same way', () => {
    expect(addressRefusal('93.184.216.34', false)).toBeNull();
    expect(addressRefusal('2606:2800:220:1::1', false)).toBeNull();
    expect(addressRefusal('169.254.169.254', true)).toMatch(/link-local/);
    expect(addressRefusal('::ffff:10.0.0.1', false)).toMatch(/private/);
    expect(addressRefusal('::ffff:10.0.0.1', true)).toBeNull();
    expect(addressRefusal('not-an-ip', true)).toMatch(/not an IP address/);
  });
});
