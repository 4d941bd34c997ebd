// One host of the two-host xen-lab pool (xen-lab/pool-lab.mjs), as a test drives it: booted as its
// own agent-serve.mjs process (so one host can lose power and boot again while the other runs),
// seen through its debug link (`xl` and files in dom0), its links cut and healed through QEMU's
// QMP socket, and powered off with SIGKILL to its QEMU.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@xenplane/testing';
import { DIST, ROOT } from './lab-requirements';
import type { Dom0Storage } from './storage-story';

export interface XlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PoolHostOptions {
  /** 0 or 1: which host of the pool (its pool address, MAC, disks) */
  index: number;
  /** the pool's directory: state disks, the shared disk, QMP sockets */
  dir: string;
  /** one UDP port per host for the pool link, the same array for both */
  udpPorts: number[];
  /** the agent's settings (control plane URL, enrollment token, name) */
  agentEnv: Record<string, string>;
  say: (what: string) => void;
}

export class PoolHost {
  private serve?: ChildProcess;
  qemuPid?: number;
  serialLog = '';
  output = '';
  hostPort = 0;
  debugPort = 0;
  boots = 0;

  constructor(private readonly o: PoolHostOptions) {}

  get name(): string {
    return this.o.agentEnv['AGENT_NAME']!;
  }

  get qmpSocket(): string {
    return join(this.o.dir, `host-${this.o.index}.qmp`);
  }

  /** Boots the host's QEMU (again: its state disk kept) and waits for dom0's debug endpoint. */
  async boot(): Promise<void> {
    this.boots += 1;
    // the same management port across boots: the agent advertises it, the control plane keeps it
    this.hostPort ||= await freePort();
    this.debugPort = await freePort();
    this.qemuPid = undefined;
    this.output = '';
    const opts = {
      name: `${this.name}-${process.pid}-boot${this.boots}`,
      hostPort: this.hostPort,
      debugPort: this.debugPort,
      pool: { dir: this.o.dir, index: this.o.index, udpPorts: this.o.udpPorts },
      agentEnv: this.o.agentEnv,
    };
    const serve = spawn(process.execPath, [join(ROOT, 'xen-lab/agent-serve.mjs')], {
      cwd: ROOT,
      env: { ...process.env, XENPLANE_DIST_DIR: DIST, XEN_LAB_AGENT_OPTS: JSON.stringify(opts) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.serve = serve;
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        this.output += c.toString();
        this.qemuPid ??= Number(/SERVE qemu-pid (\d+)/.exec(this.output)?.[1]) || undefined;
        this.serialLog ||= /SERVE log (\S+)/.exec(this.output)?.[1] ?? '';
        if (/SERVE ready/.test(this.output)) resolve();
        if (/SERVE (failed|qemu-exited)/.test(this.output))
          reject(new Error(`${this.name} did not come up:\n${this.output}`));
      };
      serve.stdout!.on('data', onData);
      serve.stderr!.on('data', onData);
      serve.once('exit', (code) => reject(new Error(`${this.name}'s agent-serve exited ${code}:\n${this.output}`)));
    });
    this.serialLog = /SERVE log (\S+)/.exec(this.output)?.[1] ?? this.serialLog;
    this.o.say(`${this.name} dom0 up (boot ${this.boots}, serial log ${this.serialLog})`);
  }

  /** Power loss: SIGKILL to its QEMU (its whole process group); resolves once its server is gone. */
  async powerLoss(): Promise<void> {
    const serve = this.serve;
    const gone = serve && serve.exitCode === null ? new Promise((r) => serve.once('exit', r)) : Promise.resolve();
    if (this.qemuPid) process.kill(-this.qemuPid, 'SIGKILL');
    await gone;
  }

  /** Stops everything it started (afterAll); true when no QEMU of it is left. */
  async stop(): Promise<boolean> {
    const serve = this.serve;
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      const exited = new Promise((r) => serve.once('exit', r));
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
    }
    if (this.qemuPid) {
      try {
        process.kill(-this.qemuPid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    let left = '';
    try {
      left = execFileSync('pgrep', ['-a', '-f', 'qemu-system-x86_64'], { encoding: 'utf8' });
    } catch {
      left = '';
    }
    return !left.split('\n').some((l) => this.qemuPid !== undefined && l.startsWith(`${this.qemuPid} `));
  }

  async xl(...args: string[]): Promise<XlResult> {
    const q = args.map((a) => `a=${encodeURIComponent(a)}`).join('&');
    const res = await fetch(`http://127.0.0.1:${this.debugPort}/xl?${q}`, { signal: AbortSignal.timeout(90_000) });
    return (await res.json()) as XlResult;
  }

  async dom0File(path: string): Promise<string | undefined> {
    const res = await fetch(`http://127.0.0.1:${this.debugPort}/file?p=${encodeURIComponent(path)}`, {
      signal: AbortSignal.timeout(30_000),
    });
    return ((await res.json()) as { text?: string }).text;
  }

  /** What dom0 holds of the VM (its dm devices, loops, files): the lab's GET /storage?vm=<id>. */
  async dom0Storage(vmId: string): Promise<Dom0Storage> {
    const res = await fetch(`http://127.0.0.1:${this.debugPort}/storage?vm=${encodeURIComponent(vmId)}`, {
      signal: AbortSignal.timeout(90_000),
    });
    return (await res.json()) as Dom0Storage;
  }

  /** The domains Xen runs here of the VM with this uuid (`xl list -l`): their domIds and names. */
  async domainsOf(vmId: string): Promise<{ domid: number; name: string }[]> {
    const r = await this.xl('list', '-l');
    if (r.code !== 0) throw new Error(`xl list -l on ${this.name}: ${r.stderr}`);
    const all = JSON.parse(r.stdout || '[]') as { domid: number; config: { c_info: { uuid: string; name: string } } }[];
    return all
      .filter((d) => d.config.c_info.uuid === vmId)
      .map((d) => ({ domid: d.domid, name: d.config.c_info.name }));
  }

  /** Cuts (up=false) or heals its management link (to the control plane) and its pool link. */
  async setLinks(up: boolean): Promise<void> {
    for (const name of ['n0', 'pool']) {
      const answer = await qmp(this.qmpSocket, 'set_link', { name, up });
      if (!('return' in answer)) throw new Error(`set_link ${name} ${up}: ${JSON.stringify(answer)}`);
    }
  }
}

/** One QMP command on a QEMU's unix socket (the lab's pool-lab.mjs qmp(), for CommonJS). */
export function qmp(socket: string, execute: string, args?: object, timeoutMs = 10_000): Promise<object> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`qmp ${execute}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    conn.on('data', (chunk) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
        buf = buf.slice(nl + 1);
        if (msg['QMP']) conn.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
        else if (!sent && 'return' in msg) {
          sent = true;
          conn.write(`${JSON.stringify({ execute, ...(args ? { arguments: args } : {}) })}\n`);
        } else if (sent && ('return' in msg || 'error' in msg)) {
          clearTimeout(timer);
          conn.end();
          resolve(msg);
        }
      }
    });
  });
}
