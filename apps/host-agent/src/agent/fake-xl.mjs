#!/usr/bin/env node
// A stand-in `xl` for the migration integration test (xl-migration.int.spec.ts): the agent runs
// it as XL_BINARY. It keeps a host's domains in $FAKE_XL_DIR/domains.json and speaks a toy
// migration protocol the way xl does, through the real transport path:
//   xl migrate -s <ssh> <dom> <host>: runs `sh -c "exec <ssh> <host> xl migrate-receive"` (as
//     tools/xl/xl_migrate.c does; with -s "" the rune is <host> alone) with its stream on the
//     child's stdin/stdout, sends the domain and a random binary "memory", and waits for the
//     receiver's checksum before it lets the receiver unpause and destroys its own copy;
//   xl migrate-receive [-p]: says it is ready, builds "<name>--incoming", checks the memory,
//     renames it and unpauses it when the sender says go.
// $FAKE_XL_DIR/fail (written by the test) makes the next migration fail on this host:
//   "receive-fail" (migrate-receive fails after building the incoming domain, as a restore
//   failure would), "send-fail" (the sender dies half way), "send-slow" (the sender dribbles).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = process.env.FAKE_XL_DIR;
const MEMORY_BYTES = 3 * 1024 * 1024 + 17;
const STATE = join(DIR, 'domains.json');
const INFO = new URL('../../fixtures/xen-4.17/xl-info.stdout', import.meta.url);

const load = () => (existsSync(STATE) ? JSON.parse(readFileSync(STATE, 'utf8')) : { next: 1, domains: [] });
const save = (s) => {
  writeFileSync(`${STATE}.tmp`, JSON.stringify(s));
  renameSync(`${STATE}.tmp`, STATE);
};
const change = (fn) => {
  const s = load();
  const out = fn(s);
  save(s);
  return out;
};
const find = (s, ref) => s.domains.find((d) => d.name === ref || String(d.domId) === ref);
const failMode = () => {
  const f = join(DIR, 'fail');
  if (!existsSync(f)) return '';
  const mode = readFileSync(f, 'utf8').trim();
  rmSync(f, { force: true });
  return mode;
};
const die = (msg, code = 1) => {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
};
const log = (line) => writeFileSync(join(DIR, 'log'), `${line}\n`, { flag: 'a' });

/** Reads lines and exact byte counts from a stream (xl's checked_read, in small). */
class Reader {
  constructor(stream) {
    this.buf = Buffer.alloc(0);
    this.ended = false;
    this.waiting = null;
    stream.on('data', (c) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }
  wake() {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
  async until(ready, what) {
    for (;;) {
      const got = ready();
      if (got !== undefined) return got;
      if (this.ended) die(`fake xl: unexpected eof reading ${what}`);
      await new Promise((r) => (this.waiting = r));
    }
  }
  line(what) {
    return this.until(() => {
      const i = this.buf.indexOf(10);
      if (i < 0) return undefined;
      const l = this.buf.subarray(0, i).toString();
      this.buf = this.buf.subarray(i + 1);
      return l;
    }, what);
  }
  bytes(n, what) {
    return this.until(() => {
      if (this.buf.length < n) return undefined;
      const b = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      return b;
    }, what);
  }
}

const expectLine = async (reader, prefix) => {
  const l = await reader.line(prefix);
  if (!l.startsWith(prefix)) die(`fake xl: expected ${prefix}, got ${JSON.stringify(l.slice(0, 80))}`);
  return l.slice(prefix.length).trim();
};

async function migrate(args) {
  const s = args.indexOf('-s');
  const ssh = s >= 0 ? args[s + 1] : 'ssh';
  const [dom, host] = args.filter((_, i) => i !== s && i !== s + 1);
  const mode = failMode();
  const source = find(load(), dom);
  if (!source) die(`migration sender: domain ${dom} not found: invalid domain identifier`);
  const rune = ssh ? `exec ${ssh} ${host} xl migrate-receive` : host;
  log(`migrate rune=${rune}`);
  const child = spawn('sh', ['-c', rune], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => undefined);
  const reader = new Reader(child.stdout);
  await expectLine(reader, 'FAKE-XL receiver ready');
  const memory = randomBytes(MEMORY_BYTES);
  const sha = createHash('sha256').update(memory).digest('hex');
  child.stdin.write(`DOMAIN ${JSON.stringify({ name: source.name, uuid: source.uuid, memMb: source.memMb })}\n`);
  for (let off = 0; off < memory.length; off += 256 * 1024) {
    const piece = memory.subarray(off, off + 256 * 1024);
    if (mode === 'send-fail' && off > memory.length / 2)
      die('migration sender: fake failure half way through the stream');
    if (mode === 'send-slow') await new Promise((r) => setTimeout(r, 1000));
    if (!child.stdin.write(Buffer.concat([Buffer.from(`DATA ${piece.length}\n`), piece])))
      await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.write(`END ${sha}\n`);
  const theirs = await expectLine(reader, 'READY');
  if (theirs !== sha) die(`migration sender: the receiver got ${theirs}, we sent ${sha}`);
  change((st) => (find(st, source.name).name = `${source.name}--migratedaway`));
  child.stdin.write('GO\n');
  const done = await reader.line('the receiver report');
  if (done !== 'DONE') {
    change((st) => (find(st, `${source.name}--migratedaway`).name = source.name));
    die(`migration sender: target reports failure: ${done}`);
  }
  change((st) => (st.domains = st.domains.filter((d) => d.domId !== source.domId)));
  child.stdin.end();
  log(`migrated ${source.name} sha=${sha}`);
}

async function migrateReceive(args) {
  const mode = failMode();
  const reader = new Reader(process.stdin);
  process.stdout.write('FAKE-XL receiver ready\n');
  const offer = JSON.parse(await expectLine(reader, 'DOMAIN'));
  const incoming = `${offer.name}--incoming`;
  const domId = change((st) => {
    const d = { domId: st.next++, name: incoming, uuid: offer.uuid, memMb: offer.memMb, flags: '--p---' };
    st.domains.push(d);
    return d.domId;
  });
  const hash = createHash('sha256');
  for (;;) {
    const l = await reader.line('DATA or END');
    if (l.startsWith('END')) break;
    if (!l.startsWith('DATA ')) die(`fake xl: bad frame ${JSON.stringify(l.slice(0, 40))}`);
    hash.update(await reader.bytes(Number(l.slice(5)), 'memory'));
  }
  // a restore failure leaves the half-built domain behind, for the agent to clean up
  if (mode === 'receive-fail') die('xc: error: panic: fake restore failure: failed to free memory for the domain');
  process.stdout.write(`READY ${hash.digest('hex')}\n`);
  await expectLine(reader, 'GO');
  change((st) => {
    const d = find(st, String(domId));
    d.name = offer.name;
    d.flags = args.includes('-p') ? '--p---' : '-b----';
  });
  process.stdout.write('DONE\n');
  log(`received ${offer.name} as ${domId}`);
}

function list(args) {
  const { domains } = load();
  if (args.includes('-l')) {
    const json = domains.map((d) => ({
      domid: d.domId,
      config: {
        c_info: { name: d.name, uuid: d.uuid, type: 'pv' },
        b_info: { max_memkb: d.memMb * 1024, target_memkb: d.memMb * 1024, max_vcpus: 1 },
        disks: (d.disks ?? []).map((p) => ({ pdev_path: p })),
      },
    }));
    return process.stdout.write(JSON.stringify(json, null, 4) + '\n');
  }
  const row = (name, id, mem, flags) =>
    `${name.padEnd(44)}${String(id).padStart(3)} ${String(mem).padStart(5)}     1     ${flags}       1.0`;
  process.stdout.write(
    [
      'Name                                        ID   Mem VCPUs\tState\tTime(s)',
      row('Domain-0', 0, 512, 'r-----'),
      ...domains.map((d) => row(d.name, d.domId, d.memMb, d.flags)),
    ].join('\n') + '\n',
  );
}

function create(args) {
  const cfg = readFileSync(args[args.length - 1], 'utf8');
  const get = (k) => new RegExp(`^${k} = "?([^"\\n]*)"?$`, 'm').exec(cfg)?.[1];
  change((st) =>
    st.domains.push({
      domId: st.next++,
      name: get('name'),
      uuid: get('uuid'),
      memMb: Number(get('memory')),
      flags: args.includes('-p') ? '--p---' : '-b----',
      // the disk lines' target= paths, which `list -l` reports as libxl does (pdev_path)
      disks: [...cfg.matchAll(/target=([^,'"\]\s]+)/g)].map((m) => m[1]),
    }),
  );
}

function simple(cmd, args) {
  change((st) => {
    const d = find(st, args[0]);
    if (!d) die(`${cmd}: invalid domain identifier ${args[0]}`);
    if (cmd === 'destroy') st.domains = st.domains.filter((x) => x !== d);
    if (cmd === 'pause') d.flags = '--p---';
    if (cmd === 'unpause') d.flags = '-b----';
    if (cmd === 'rename') d.name = args[1];
  });
}

const [cmd, ...args] = process.argv.slice(2);
if (!DIR) die('fake xl: FAKE_XL_DIR is not set');
switch (cmd) {
  case 'info':
    process.stdout.write(readFileSync(INFO));
    break;
  case 'list':
    list(args);
    break;
  case 'create':
    create(args);
    break;
  case 'destroy':
  case 'pause':
  case 'unpause':
  case 'rename':
    simple(cmd, args);
    break;
  case 'migrate':
    await migrate(args);
    break;
  case 'migrate-receive':
    await migrateReceive(args);
    break;
  default:
    die(`fake xl: no ${cmd}`);
}
