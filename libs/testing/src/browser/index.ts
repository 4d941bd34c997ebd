// The console's browser harness (playwright-core driving Debian's chromium). Its own entry point,
// @xenplane/testing/browser, so that tests which do not drive a browser never load playwright.
export * from './browser';
export * from './console';
export * from './requirements';
