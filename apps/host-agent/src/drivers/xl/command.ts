import { spawn } from 'node:child_process';

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

const MAX_OUTPUT = 8 * 1024 * 1024;

export class ProcessXlCommand implements XlCommand {
  constructor(
    private readonly binary = 'xl',
    private readonly prefixArgs: readonly string[] = [],
  ) {}

  run(args: readonly string[], opts: RunOptions): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, [...this.prefixArgs, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-MAX_OUTPUT)));
      child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-MAX_OUTPUT)));
      const kill = () => {
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
      };
      const timer = opts.timeoutMs ? setTimeout(kill, opts.timeoutMs) : undefined;
      opts.signal.addEventListener('abort', kill, { once: true });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', kill);
        resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
      });
      child.stdin.end(opts.input ?? '');
    });
  }
}
