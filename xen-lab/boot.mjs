#!/usr/bin/env node
// Boots Xen 4.17 + the lab dom0 under QEMU and runs one test script inside dom0.
// usage:
//   node xen-lab/boot.mjs                       # runs `xl info` and `xl list`
//   node xen-lab/boot.mjs --script my-test.sh   # any dom0 shell script (rec/wait_for available)
//   node xen-lab/boot.mjs -- xl dmesg           # one command
// Options: --timeout <seconds> (default 300), --name <run name> (work/runs/<name>/).
// Prints the LAB progress lines as they come, then where the serial log and /out files are.
import { readFileSync } from 'node:fs';
import { requirementsMessage, runInXen, say } from './lab.mjs';

const all = process.argv.slice(2);
const dashdash = all.indexOf('--');
const argv = dashdash >= 0 ? all.slice(0, dashdash) : all; // options; what follows -- is the command
const opt = (flag, dflt) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : dflt);
const quote = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
let script;
if (dashdash >= 0)
  script = `rec cmd ${all
    .slice(dashdash + 1)
    .map(quote)
    .join(' ')}\n`;
else if (opt('--script')) script = readFileSync(opt('--script'), 'utf8');
else script = 'rec xl-info xl info\nrec xl-list xl list\n';

const missing = requirementsMessage();
if (missing) {
  say(missing);
  process.exit(2);
}
const r = await runInXen({
  script,
  name: opt('--name', 'boot'),
  timeoutMs: Number(opt('--timeout', 300)) * 1000,
  onLine: (t, line) => say(`[${t.toFixed(1).padStart(6)}s] ${line}`),
});
// what each rec'd command printed, stdout then stderr
for (const f of Object.keys(r.files)
  .filter((n) => n.endsWith('.rc'))
  .sort()) {
  const n = f.slice(0, -3);
  say(`== ${n} (exit ${r.files[f].toString().trim()})`);
  process.stdout.write(r.files[`${n}.stdout`] ?? '');
  process.stdout.write(r.files[`${n}.stderr`] ?? '');
}
say(
  `${r.ok ? 'ok' : 'FAILED'} (${r.reason}) in ${r.seconds.toFixed(1)}s; serial log: ${r.logFile}; results: ${r.outDir}`,
);
process.exit(r.ok ? 0 : 1);
