import { CONSOLE_CSP, isApiPath, isAppRoute } from './serve-console';

describe("the console's paths beside the API's", () => {
  it("leaves the API's own paths to it", () => {
    for (const p of ['/v1', '/v1/vms', '/v1/nope', '/docs', '/docs/', '/docs-json', '/healthz', '/readyz', '/metrics'])
      expect(isApiPath(p)).toBe(true);
    for (const p of ['/', '/vms', '/vms/new', '/projects', '/v1x', '/documents', '/hosts/metrics'])
      expect(isApiPath(p)).toBe(false);
  });

  it('answers index.html for pages of the app, not for a missing file', () => {
    for (const p of ['/', '/vms', '/vms/5f0c/x', '/projects']) expect(isAppRoute(p)).toBe(true);
    for (const p of ['/assets/index-abc.js', '/assets/', '/favicon.ico', '/robots.txt'])
      expect(isAppRoute(p)).toBe(false);
  });

  it('allows no inline script, no other origin and no framing', () => {
    const directives = Object.fromEntries(CONSOLE_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
  });
});
