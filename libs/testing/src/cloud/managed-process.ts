import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { StopWaiting, waitFor } from './wait';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  /** also copy output to this stream (npm start shows every process's log) */
  echo?: NodeJS.WritableStream;
}

const OUTPUT_GRACE_MS = 2_000;

// Whatever happens to the test run (a timeout, a crash, Ctrl-C), no child outlives it.
const live = new Set<ManagedProcess>();
process.once('exit', () => {
  for (const p of live) p.signal('SIGKILL');
});

/**
 * A child process of the cloud: its own process group (so nothing it starts outlives it),
 * its output in a log file, and stop() that always ends it — SIGTERM, then SIGKILL.
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private exited?: Promise<number | null>;
  /** where this run's output begins in the log file (a restarted process appends to the last run's) */
  private runStart = 0;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): this {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    // started again (after kill()): the last run's stream is closed, not leaked; its child's
    // last output, if any is still coming, goes to the new one (the same file)
    this.log?.end();
    this.runStart = this.output().length;
    this.log = createWriteStream(this.spec.logFile, { flags: 'a' });
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out = (chunk: Buffer) => {
      this.log?.write(chunk);
      this.spec.echo?.write(chunk);
    };
    child.stdout?.on('data', out);
    child.stderr?.on('data', out);
    // 'exit' may come before the last of the child's output was read from its pipes and written
    // to its log: an exit is reported once its pipes closed and its log is written out, or after
    // a grace if something it started still holds the pipes open
    const log = this.log;
    const logged = new Promise<void>((resolve) => child.once('close', () => log.end(() => resolve())));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        live.delete(this);
        // the grace's timer does not hold the test run open once everything else is done
        void Promise.race([logged, delay(OUTPUT_GRACE_MS, undefined, { ref: false })]).then(() => resolve(code));
      }),
    );
    this.child = child;
    live.add(this);
    return this;
  }

  /** Sends a signal to the whole process group. */
  signal(sig: NodeJS.Signals): void {
    if (!this.child?.pid || !this.running) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }

  /** Ends the process: gracefully within graceMs, by force after. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.child) return;
    if (this.running) {
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // the group may hold children that ignored the leader's end
    this.signalGroup('SIGKILL');
    await new Promise<void>((r) => (this.log ? this.log.end(r) : r()));
  }

  /** SIGKILL, as a crash would: for tests of what survives. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
    this.signalGroup('SIGKILL');
  }

  waitForExit(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }

  /**
   * Waits until this run of the process has written a line containing `text` (a step it records:
   * "scheduler started"), at most timeoutMs; gives up at once if the process exits.
   */
  async waitForOutput(text: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${this.spec.name} to log ${JSON.stringify(text)}`,
      async () => {
        if (this.output().slice(this.runStart).includes(text)) return true;
        if (!this.running)
          throw new StopWaiting(
            `${this.spec.name} exited before logging ${JSON.stringify(text)}: ${this.output().trim().split('\n').pop()}`,
          );
        return undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  output(): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  private signalGroup(sig: NodeJS.Signals): void {
    if (!this.child?.pid) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // no group left
    }
  }
}
