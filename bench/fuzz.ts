// The e2e fuzz test's generator for longer runs (apps/cloud-e2e/src/fuzz.e2e.spec.ts): requests
// generated from the served OpenAPI document, to every operation from every role, with hostile
// values, deep and huge bodies, odd content types and headers. Reports how many were sent, the
// seed (to replay a run), the 5xx answers and other faults (a non-problem error, rows written
// by a batch of refusals), and the status histogram.
//   A cloud of its own (one simulated host; the scheduler stopped once the world is built, so
//   that every row change belongs to the batch just sent, and rows are checked), or a running one
//   with --url and --token (a global admin token; no row checks: its scheduler writes meanwhile);
//   --database-url adds the operator role there (global tokens are made in the database).
// Run: node scripts/build.mjs && node dist/bench/fuzz.js [--runs 100000] [--seed N] [--concurrency 16]
//      [--url http://127.0.0.1:8080 --token xp_... [--database-url postgresql://...]]
import fc from 'fast-check';
import { createDb, type Db } from '@xenplane/db';
import { ApiClient, Cloud } from '@xenplane/testing';
import { runBatch } from '../apps/cloud-e2e/src/fuzz/batch';
import { anyRequest } from '../apps/cloud-e2e/src/fuzz/requests';
import { FuzzClient } from '../apps/cloud-e2e/src/fuzz/send';
import { FUZZ_ENV, fuzzSetup } from '../apps/cloud-e2e/src/fuzz/setup';
import { histogram } from '../apps/cloud-e2e/src/fuzz/verdict';
import { benchArgs } from './args';
import { report, round } from './report';

const args = benchArgs(['runs', 'seed', 'concurrency', 'batch', 'url', 'token', 'database-url']);
const BATCH = args.num('batch', 16);

async function main() {
  const runs = args.num('runs', 100_000);
  const seed = args.num('seed', Math.floor(Math.random() * 2 ** 31));
  const url = args.maybe('url');
  const cloud = url ? undefined : await Cloud.start({ hosts: 1, logLevel: 'warn', env: FUZZ_ENV });
  const dbUrl = args.maybe('database-url');
  const db: Db | undefined = cloud?.db ?? (dbUrl ? createDb({ url: dbUrl, poolSize: 4 }) : undefined);
  try {
    const admin = cloud?.api ?? new ApiClient(url!, args.maybe('token'));
    const setup = await fuzzSetup(admin, db);
    if (cloud) await Promise.all(cloud.schedulers.map((s) => s.stop()));
    const client = new FuzzClient(setup.world.baseUrl, args.num('concurrency', 16));
    const batch = fc.array(anyRequest(setup.world, setup.ops, setup.roles), { minLength: BATCH, maxLength: BATCH });
    const statuses: Record<string, number> = {};
    const fiveXxByRoute: Record<string, number> = {};
    const faults: string[] = [];
    let faulty = 0;
    let checked = 0;
    const t0 = performance.now();
    for (let i = 0; i < Math.ceil(runs / BATCH); i++) {
      // batch i of a seed is the same whatever ran before it (and not batch i-1 of seed+1)
      const requests = fc.sample(batch, { seed: batchSeed(seed, i), numRuns: 1 })[0]!;
      // rows are compared in a cloud of its own only: an attached cloud's scheduler writes meanwhile
      const outcome = await runBatch(client, cloud, requests);
      histogram(outcome.answers, statuses);
      if (outcome.countsChecked) checked++;
      for (const a of outcome.answers)
        if (a.status >= 500) fiveXxByRoute[a.request.route] = (fiveXxByRoute[a.request.route] ?? 0) + 1;
      faulty += outcome.faults.length;
      if (faults.length < 20) faults.push(...outcome.faults.slice(0, 20 - faults.length));
    }
    const seconds = (performance.now() - t0) / 1000;
    client.close();
    const sent = Object.values(statuses).reduce((a, b) => a + b, 0);
    const rows = Object.entries(statuses)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, n]) => ({ status, requests: n, share_pct: round((100 * n) / sent, 2) }));
    report('fuzz', rows, {
      requests: sent,
      seed,
      seconds: round(seconds, 1),
      per_second: round(sent / seconds),
      five_xx: Object.values(fiveXxByRoute).reduce((a, b) => a + b, 0),
      five_xx_routes: fiveXxByRoute,
      faults: faulty,
      batches_with_rows_checked: checked,
      batches: Math.ceil(runs / BATCH),
      first_faults: faults,
    });
  } finally {
    if (!cloud) await db?.$disconnect();
    await cloud?.stop();
  }
}

/** A seed for batch i of a run (murmur3's finalizer over both: neighbouring runs share no batch). */
function batchSeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
