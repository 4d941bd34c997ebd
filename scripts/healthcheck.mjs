#!/usr/bin/env node
// The containers' HEALTHCHECK (see /Dockerfile), plain Node, no dependencies.
//   node scripts/healthcheck.mjs <url>   healthy when the URL answers 2xx within 3 s (the API's /readyz)
//   node scripts/healthcheck.mjs         healthy when $LIVENESS_FILE was rewritten in the last 30 s
//                                        (scheduler, agent: libs/observability/src/liveness-file.ts)
import { statSync } from 'node:fs';

const STALE_MS = 30_000;
const url = process.argv[2];

if (url) {
  fetch(url, { signal: AbortSignal.timeout(3_000) }).then(
    (res) => process.exit(res.ok ? 0 : 1),
    () => process.exit(1),
  );
} else {
  const file = process.env.LIVENESS_FILE;
  if (!file) {
    console.error('healthcheck: LIVENESS_FILE is not set');
    process.exit(1);
  }
  try {
    const age = Date.now() - statSync(file).mtimeMs;
    if (age > STALE_MS) console.error(`healthcheck: ${file} is ${Math.round(age / 1000)} s old`);
    process.exit(age <= STALE_MS ? 0 : 1);
  } catch {
    console.error(`healthcheck: no ${file} yet`);
    process.exit(1);
  }
}
