// The web console's weight and first load (issue 17):
//   weight      every file of the console's vite build (dist/apps/console/web), raw and compressed
//               as a server would send it: gzip (level 9) and brotli (quality 11) by node:zlib.
//               Goal: the JavaScript shipped, compressed, under 400 KB (the whole app: every
//               chunk, lazily loaded ones included, so the figure is what a session may fetch).
//   first-load  a whole cloud (simulated hosts) with --vms VMs in one project, the API serving the
//               build; Debian's chromium (the tests' harness, libs/testing/src/browser) opens the VM
//               list signed in as the project's member. The time is navigation start -> the first
//               animation frame in which VM rows are in the page (performance.now() in the page,
//               whose origin is navigation start), --runs times in a fresh browser context each
//               (empty HTTP cache: the cold load a person gets the first time) and as many reloads
//               (warm cache); with the time to DOMContentLoaded (the app's script run) and to the
//               first page of GET /v1/vms answered. Goal: under 1 s with 1,000 VMs (--vms 1000,10000
//               measures each size in turn, the same cloud growing).
// Run: node scripts/build.mjs && node dist/bench/console-weight.js [--parts weight,first-load]
//        [--vms 1000[,10000]] [--hosts 10] [--runs 5] [--dir dist/apps/console/web]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { Cloud, waitFor } from '@xenplane/testing';
import { CHROMIUM_PATH, consoleDir, launchChromium, openPage, signIn } from '@xenplane/testing/browser';
import { benchArgs } from './args';
import { percentile, report, round } from './report';

const args = benchArgs(['parts', 'vms', 'hosts', 'runs', 'dir']);
const parts = new Set(args.text('parts', 'weight,first-load').split(','));
const WEIGHT_GOAL_KB = 400;
const LOAD_GOAL_MS = 1000;

const kb = (bytes: number) => round(bytes / 1024, 1);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    // the build's own compressed copies (what the API sends) are measured as what they copy
    return /\.(br|gz)$/.test(name) ? [] : [path];
  });
}

/** Sizes of every file of the build, and the JavaScript's total against the goal. */
export function weight(dir: string): { rows: Record<string, string | number>[]; jsBrotliKb: number; jsGzipKb: number } {
  const rows: Record<string, string | number>[] = [];
  const totals = new Map<string, { raw: number; gzip: number; brotli: number; n: number }>();
  for (const path of files(dir).sort()) {
    const data = readFileSync(path);
    const gzip = gzipSync(data, { level: 9 }).length;
    const brotli = brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length;
    const kind = extname(path).slice(1) || 'other';
    const t = totals.get(kind) ?? { raw: 0, gzip: 0, brotli: 0, n: 0 };
    totals.set(kind, { raw: t.raw + data.length, gzip: t.gzip + gzip, brotli: t.brotli + brotli, n: t.n + 1 });
    rows.push({ file: relative(dir, path), raw_kb: kb(data.length), gzip_kb: kb(gzip), brotli_kb: kb(brotli) });
  }
  for (const [kind, t] of [...totals].sort()) {
    rows.push({
      file: `total .${kind} (${t.n} files)`,
      raw_kb: kb(t.raw),
      gzip_kb: kb(t.gzip),
      brotli_kb: kb(t.brotli),
      ...(kind === 'js' ? { goal_kb: `< ${WEIGHT_GOAL_KB}` } : {}),
    });
  }
  const js = totals.get('js') ?? { raw: 0, gzip: 0, brotli: 0, n: 0 };
  return { rows, jsBrotliKb: kb(js.brotli), jsGzipKb: kb(js.gzip) };
}

/** The in-page probe: the first frame with VM rows, as ms since navigation start. */
const ROWS_VISIBLE = (prefix: string) => {
  const doc = (globalThis as any).document;
  const rows = doc.querySelectorAll('tbody tr, [role="row"]');
  for (const row of rows) if ((row.textContent ?? '').includes(prefix)) return performance.now();
  return false;
};

async function rowsVisible(page: Page): Promise<number> {
  const handle = await page.waitForFunction(ROWS_VISIBLE, 'cw-', { timeout: 30_000 });
  return (await handle.jsonValue()) as number;
}

interface LoadSample {
  /** navigation start -> the first frame with VM rows */
  rows: number;
  /** navigation start -> DOMContentLoaded (the app's script parsed and run) */
  dcl: number;
  /** navigation start -> the first page of GET /v1/vms answered */
  api: number;
  /** bytes of the page and its scripts and styles as they came over the wire (encoded body) */
  wire: number;
}

async function sample(page: Page): Promise<LoadSample> {
  const rows = await rowsVisible(page);
  // node's lib has no DOM types: the page's PerformanceEntry objects read loosely
  const { dcl, api, wire } = await page.evaluate(() => {
    const perf = (globalThis as any).performance;
    const nav = perf.getEntriesByType('navigation')[0];
    const resources = perf.getEntriesByType('resource');
    const list = resources.find((e: any) => new URL(e.name).pathname === '/v1/vms');
    const assets = resources.filter((e: any) => new URL(e.name).pathname.startsWith('/assets/'));
    return {
      dcl: (nav?.domContentLoadedEventEnd ?? NaN) as number,
      api: (list?.responseEnd ?? NaN) as number,
      wire: [nav, ...assets].reduce((sum: number, e: any) => sum + (e?.encodedBodySize ?? 0), 0) as number,
    };
  });
  return { rows, dcl, api, wire };
}

async function firstLoad(sizes: number[], hosts: number, runs: number): Promise<Record<string, string | number>[]> {
  const cloud = await Cloud.start({ hosts, logLevel: 'warn', env: { CONSOLE_DIR: consoleDir() } });
  const browser = await launchChromium();
  const rows: Record<string, string | number>[] = [];
  try {
    const project = await cloud.api.post('/v1/projects', {
      name: 'console-bench',
      quota: { instances: 100_000, vcpus: 1_000_000, memoryMb: 1_000_000_000, diskGb: 1_000_000 },
    });
    const token = (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'bench', role: 'member' }))
      .body.token as string;
    const member = cloud.api.withToken(token);

    // signed in once through the form; each measured context starts with that tab's sessionStorage
    const first = await openPage(browser, { baseURL: cloud.apiUrl });
    await signIn(first.page, token);
    const storage = await first.page.evaluate(() => JSON.stringify({ ...(globalThis as any).sessionStorage }));
    await first.close();

    let made = 0;
    for (const vms of [...sizes].sort((a, b) => a - b)) {
      const t0 = Date.now();
      for (; made < vms; made += Math.min(100, vms - made)) {
        const res = await member.post('/v1/vms', {
          name: 'cw',
          flavor: 'xp.micro',
          image: 'tiny-pv',
          count: Math.min(100, vms - made),
        });
        if (res.status !== 202) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
      }
      // the list is read while nothing builds: the figure is the console's, not a busy cloud's
      await waitFor(
        `${vms} VMs running`,
        async () =>
          (await cloud.db.vm.count({ where: { state: 'running', projectId: project.body.id } })) >= vms
            ? true
            : undefined,
        { timeoutMs: 600_000, intervalMs: 500 },
      );
      console.error(`${vms} VMs running (${((Date.now() - t0) / 1000).toFixed(1)} s to create)`);

      const cold: LoadSample[] = [];
      const warm: LoadSample[] = [];
      for (let i = 0; i < runs; i++) {
        const t = await openPage(browser, { baseURL: cloud.apiUrl });
        await t.context.addInitScript((saved: string) => {
          const store = (globalThis as any).sessionStorage;
          for (const [k, v] of Object.entries(JSON.parse(saved) as Record<string, string>)) store.setItem(k, v);
        }, storage);
        await t.page.goto(new URL('/vms', cloud.apiUrl).href, { waitUntil: 'commit' });
        cold.push(await sample(t.page));
        await t.page.reload({ waitUntil: 'commit' });
        warm.push(await sample(t.page));
        if (t.errors.length) throw new Error(`the page reported errors: ${t.errors.join('; ')}`);
        await t.close();
      }
      const row = (name: string, samples: LoadSample[]) => {
        const p50 = (k: keyof LoadSample) =>
          round(
            percentile(
              samples.map((s) => s[k]).sort((a, b) => a - b),
              50,
            ),
          );
        return {
          measure: name,
          vms,
          runs: samples.length,
          p50_ms: p50('rows'),
          max_ms: round(Math.max(...samples.map((s) => s.rows))),
          goal_ms: `< ${LOAD_GOAL_MS}`,
          dcl_p50_ms: p50('dcl'),
          api_p50_ms: p50('api'),
          wire_kb: kb(p50('wire')),
        };
      };
      rows.push(row('VM list, first load (cold cache): navigation -> rows', cold));
      rows.push(row('VM list, reload (warm cache): navigation -> rows', warm));
    }
    return rows;
  } finally {
    await browser.close();
    await cloud.stop();
  }
}

async function main() {
  const dir = args.maybe('dir') ?? consoleDir();
  if (parts.has('weight')) {
    const w = weight(dir);
    report('console-weight', w.rows, {
      dir,
      js_gzip_kb: w.jsGzipKb,
      js_brotli_kb: w.jsBrotliKb,
      goal_kb: WEIGHT_GOAL_KB,
    });
  }
  if (parts.has('first-load')) {
    const sizes = args.text('vms', '1000').split(',').map(Number);
    const rows = await firstLoad(sizes, args.num('hosts', 10), args.num('runs', 5));
    report('console-first-load', rows, { chromium: CHROMIUM_PATH });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
