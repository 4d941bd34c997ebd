import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { repoRoot } from '../cloud/dist';
import { CHROMIUM_PATH } from './requirements';

/**
 * Debian's chromium, headless, with nothing that reaches the network on its own (component
 * updates, sync, QUIC probes): on a CI machine without internet access it starts as on a laptop.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A page in a context of its own (no cookies, storage or cache shared with any other test). */
export interface TestPage {
  context: BrowserContext;
  page: Page;
  /**
   * What went wrong in the page: uncaught exceptions and console errors (a CSP violation is one).
   * Chromium's "Failed to load resource" lines are left out: an API refusal the page shows (a 409
   * over quota) logs one, and the tests check that the problem is shown instead.
   */
  errors: string[];
  close(): Promise<void>;
}

export async function openPage(
  browser: Browser,
  opts: { baseURL?: string; viewport?: { width: number; height: number } } = {},
): Promise<TestPage> {
  const context = await browser.newContext({
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    // stable screenshots: no animations mid-transition, one locale and time zone
    reducedMotion: 'reduce',
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      errors.push(`console.error: ${msg.text()}`);
  });
  return { context, page, errors, close: () => context.close() };
}

/** test-artifacts/console/ at the repository's root (gitignored): the tests' screenshots. */
export function artifactsDir(): string {
  const dir = process.env['XENPLANE_ARTIFACTS_DIR'] ?? join(repoRoot(), 'test-artifacts', 'console');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A full-page screenshot under a stable name (`<name>.png`, overwritten by the next run); its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot name ${name}: lowercase words and dashes`);
  const path = join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}

/** One axe-core violation as the report lists it. */
export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

const BLOCKING = new Set(['serious', 'critical']);

/** The lines of a report of violations (rule, impact, what to fix, the first elements). */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes.slice(0, 5).map((n) => n.target.join(' '));
      const more = v.nodes.length > 5 ? ` and ${v.nodes.length - 5} more` : '';
      // axe's own account of the first element (e.g. the contrast ratio it measured)
      const why = v.nodes[0]?.failureSummary?.replace(/\s+/g, ' ').trim();
      return `- ${v.id} (${v.impact}): ${v.help} — ${nodes.join(', ')}${more} (${v.helpUrl})${why ? `\n    ${why}` : ''}`;
    })
    .join('\n');
}

let axeSource: string | undefined;

/**
 * axe-core on the page as it is now (WCAG 2.x A/AA and best practices): throws listing the
 * serious and critical violations; answers every violation found (minor and moderate too).
 * axe-core's own bundle is evaluated in the page (DevTools' Runtime.evaluate), not added with
 * page.addScriptTag: the console's Content-Security-Policy refuses inline scripts, so a script tag
 * would be blocked and log a CSP violation, which the tests count as an error of the page.
 */
export async function checkAccessibility(page: Page, label: string): Promise<AxeViolation[]> {
  const hasAxe = () => page.evaluate(() => typeof (globalThis as any).axe?.run === 'function');
  if (!(await hasAxe())) {
    axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axeSource);
    if (!(await hasAxe())) throw new Error(`axe-core did not load in the page (${label})`);
  }
  const violations = (await page.evaluate(() =>
    (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] }).then((r: any) =>
      r.violations.map((v: any) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n: any) => ({ target: n.target.map(String), failureSummary: n.failureSummary })),
      })),
    ),
  )) as AxeViolation[];
  const blocking = violations.filter((v) => BLOCKING.has(v.impact ?? ''));
  if (blocking.length)
    throw new Error(
      `axe-core: ${blocking.length} serious/critical violation(s) on ${label}:\n${describeViolations(blocking)}`,
    );
  return violations;
}
