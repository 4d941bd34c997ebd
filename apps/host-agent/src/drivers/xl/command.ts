import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { stepIfTraced } from '@xenplane/observability';
import { xlCommandFailures, xlCommandSeconds, xlSubcommand } from '../../metrics';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  signal: AbortSignal;
  /** ends the command if the caller's deadline is further away than this */
  timeoutMs?: number;
  input?: string;
}

/**
 * The one door to the toolstack: `xl` with an argument array, never a shell string. Unit tests
 * replace it with recorded outputs; the agent and the real-Xen tests use the real one.
 */
export interface XlCommand {
  run(args: readonly string[], opts: RunOptions): Promise<CommandResult>;
}

/** An xl whose stdin and stdout the caller streams (`xl migrate-receive`). */
export interface XlProcess {
  stdin: Writable;
  stdout: Readable;
  /** xl's exit, once its stdout has ended: its code and stderr (stdout is the caller's, so empty here) */
  done: Promise<CommandResult>;
}

export interface XlStreamCommand {
  open(args: readonly string[], opts: { signal: AbortSignal }): XlProcess;
}

const MAX_OUTPUT = 8 * 1024 * 1024;
const KILL_GRACE_MS = 2_000;

export class ProcessXlCommand implements XlCommand, XlStreamCommand {
  constructor(
    private readonly binary = 'xl',
    private readonly prefixArgs: readonly string[] = [],
  ) {}

  /**
   * Each command a step of the call it serves, named by its subcommand alone: its other
   * arguments (file paths, domain names) stay out of spans, and its input (a guest's config)
   * never goes anywhere but xl's stdin.
   */
  run(args: readonly string[], opts: RunOptions): Promise<CommandResult> {
    const subcommand = /^[a-z][a-z-]{0,30}$/.test(args[0] ?? '') ? args[0]! : 'other';
    return stepIfTraced(
      `xl ${subcommand}`,
      async (s) => {
        const r = await this.runNow(args, opts);
        s.set('xl.exit_code', r.code);
        if (r.code !== 0) s.fail();
        return r;
      },
      { attributes: { 'xl.subcommand': subcommand } },
    );
  }

  private runNow(args: readonly string[], opts: RunOptions): Promise<CommandResult> {
    const child = this.spawn(args);
    let stdout = '';
    child.stdout!.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-MAX_OUTPUT)));
    child.stdin!.on('error', () => undefined); // xl may exit before reading its input
    child.stdin!.end(opts.input ?? '');
    return measured(args, this.settle(child, opts.signal, opts.timeoutMs)).then((r) => ({ ...r, stdout }));
  }

  open(args: readonly string[], opts: { signal: AbortSignal }): XlProcess {
    const child = this.spawn(args);
    return { stdin: child.stdin!, stdout: child.stdout!, done: measured(args, this.settle(child, opts.signal)) };
  }

  // Its own process group: xl runs helpers (the migration transport through `sh -c`, hotplug
  // scripts), and a cancelled call must end all of them, not only xl.
  private spawn(args: readonly string[]): ChildProcess {
    return spawn(this.binary, [...this.prefixArgs, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  }

  private settle(child: ChildProcess, signal: AbortSignal, timeoutMs?: number): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-MAX_OUTPUT)));
      const kill = () => {
        killGroup(child, 'SIGTERM');
        setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
      };
      const timer = timeoutMs ? setTimeout(kill, timeoutMs) : undefined;
      if (signal.aborted) kill();
      else signal.addEventListener('abort', kill, { once: true });
      child.on('error', (err) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', kill);
        reject(err);
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', kill);
        resolve({ code: code ?? (sig ? 128 : 1), stdout: '', stderr });
      });
    });
  }
}

/** Times a command to its end in xenplane_agent_xl_command_seconds, and counts it as failed if it exited non-zero or did not start. */
function measured(args: readonly string[], result: Promise<CommandResult>): Promise<CommandResult> {
  const subcommand = xlSubcommand(args);
  const end = xlCommandSeconds.startTimer({ subcommand });
  return result.then(
    (r) => {
      end();
      if (r.code !== 0) xlCommandFailures.inc({ subcommand });
      return r;
    },
    (err: unknown) => {
      end();
      xlCommandFailures.inc({ subcommand });
      throw err;
    },
  );
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // the group is gone already
  }
}
