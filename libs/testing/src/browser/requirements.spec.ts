import { join } from 'node:path';
import { browserRequired, browserSkipReason } from './requirements';

describe('whether the console browser tests can run', () => {
  const web = '/w';
  it('runs when chromium and the console build exist', () => {
    expect(browserSkipReason(() => true, '/usr/bin/chromium', web)).toBeNull();
  });

  it('names each missing piece and how to get it', () => {
    const none = browserSkipReason(() => false, '/usr/bin/chromium', web)!;
    expect(none).toContain('no chromium at /usr/bin/chromium (apt-get install chromium');
    expect(none).toContain(`no console build in ${web} (run node scripts/build.mjs)`);
    const noBuild = browserSkipReason((p) => p !== join(web, 'index.html'), '/usr/bin/chromium', web)!;
    expect(noBuild).not.toContain('chromium at');
    expect(noBuild).toContain('no console build');
  });

  it('is required on CI and where the xen tier is required, not elsewhere', () => {
    expect(browserRequired({ XENPLANE_REQUIRE_XEN: '1' })).toBe(true);
    expect(browserRequired({ CI: 'true' })).toBe(true);
    expect(browserRequired({ CI: '1' })).toBe(true);
    expect(browserRequired({})).toBe(false);
    expect(browserRequired({ CI: 'false' })).toBe(false);
    expect(browserRequired({ CI: '0', XENPLANE_REQUIRE_XEN: '0' })).toBe(false);
  });
});
