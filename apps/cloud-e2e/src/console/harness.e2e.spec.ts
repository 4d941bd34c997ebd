import { existsSync } from 'node:fs';
import {
  browserDescribe,
  checkAccessibility,
  launchChromium,
  openPage,
  screenshot,
  type TestPage,
} from '@xenplane/testing/browser';
import type { Browser } from 'playwright-core';

/**
 * The browser harness itself, on pages made here (no cloud): axe-core fails a page with a
 * serious violation and names it, passes a clean one, also under a CSP that refuses inline
 * scripts (the console's); page errors are collected; screenshots land under their names.
 */
browserDescribe('the console tests’ browser harness (chromium)', () => {
  let browser: Browser;
  let t: TestPage;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    t = await openPage(browser);
  });
  afterEach(() => t.close());

  const page = (body: string, csp = false) =>
    `<!doctype html><html lang="en"><head><title>harness</title>${
      csp ? `<meta http-equiv="Content-Security-Policy" content="script-src 'self'">` : ''
    }</head><body><main>${body}</main></body></html>`;

  it('fails a page with serious violations, listing them, and passes a clean one under a strict CSP', async () => {
    await t.page.setContent(page('<h1>Hosts</h1><input type="text"><button></button>'));
    const err = await checkAccessibility(t.page, 'a bad page').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/serious\/critical violation\(s\) on a bad page/);
    expect(err?.message).toMatch(/- label \(critical\)/);
    expect(err?.message).toMatch(/- button-name \(critical\)/);

    await t.page.setContent(page('<h1>Hosts</h1><label>Name <input type="text"></label>', true));
    await expect(checkAccessibility(t.page, 'a clean page')).resolves.toEqual([]);
    // axe went in without an inline script: the CSP had nothing to refuse
    expect(t.errors).toEqual([]);
  });

  it('collects uncaught exceptions and console errors', async () => {
    await t.page.setContent(page('<h1>x</h1>'));
    const seen = Promise.all([t.page.waitForEvent('console'), t.page.waitForEvent('pageerror')]);
    await t.page.evaluate(() => {
      console.error('boom');
      setTimeout(() => {
        throw new Error('uncaught one');
      });
    });
    await seen;
    expect([...t.errors].sort()).toEqual(['console.error: boom', 'uncaught: uncaught one']);
  });

  it('saves screenshots under stable names', async () => {
    await t.page.setContent(page('<h1>shot</h1>'));
    const path = await screenshot(t.page, 'harness-self-test');
    expect(path).toMatch(/test-artifacts\/console\/harness-self-test\.png$/);
    expect(existsSync(path)).toBe(true);
    await expect(screenshot(t.page, '../escape')).rejects.toThrow(/lowercase words and dashes/);
  });
});
