import type { Command } from 'commander';
import type { Xenplane } from '@xenplane/sdk';
import { configPath, readConfig } from './config/config-file';
import { envIsEnough, profileName, resolveTarget, type Target } from './config/resolve';
import { reportOf } from './errors';
import { effectiveFormat, formatOutput, type OutputFormat } from './output/format';
import type { Column, Row } from './output/table';

/** The options every command takes (declared on the program). */
export interface GlobalOptions {
  output?: OutputFormat;
  profile?: string;
}

/** What a command runs with: its options, the environment, the API, and where it prints. */
export class Context {
  private api?: Promise<{ client: Xenplane; target: Target }>;

  constructor(
    readonly globals: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  get format(): OutputFormat {
    return effectiveFormat(this.globals.output, Boolean(this.stdout.isTTY));
  }

  get profile(): string {
    return profileName(this.globals.profile, this.env);
  }

  /** The SDK client for the selected profile (loaded on first use: `xp --version` never loads it). */
  async client(): Promise<Xenplane> {
    return (await this.connect()).client;
  }

  async target(): Promise<Target> {
    return (await this.connect()).target;
  }

  private connect(): Promise<{ client: Xenplane; target: Target }> {
    this.api ??= (async () => {
      const explicit = Boolean(this.globals.profile || this.env['XENPLANE_PROFILE']);
      const config = envIsEnough(this.env) && !explicit ? undefined : await readConfig(configPath(this.env));
      const target = resolveTarget(config, this.profile, this.env, explicit);
      return { client: await connect(target.url, target.token), target };
    })();
    return this.api;
  }

  /** Prints a result in the chosen format (a table with these columns on a TTY). */
  async print(data: unknown, columns?: readonly Column<Row>[]): Promise<void> {
    this.stdout.write(await formatOutput(data as Row | Row[], this.format, columns));
  }

  /** A progress line for a person watching: on stderr, and only when it is a terminal. */
  progress(line: string): void {
    if (this.stderr.isTTY) this.stderr.write(`\r\x1b[K${line}`);
  }

  /** Ends a progress line (so what follows starts on a line of its own). */
  progressDone(): void {
    if (this.stderr.isTTY) this.stderr.write('\r\x1b[K');
  }
}

export async function connect(url: string, token: string): Promise<Xenplane> {
  const { createXenplane } = await import('@xenplane/sdk');
  return createXenplane({ baseUrl: url, token, userAgent: `xp/${XP_VERSION}` });
}

// kept in step with package.json by a unit test (reading package.json at start costs a file read)
export const XP_VERSION = '0.1.0';

type Handler<A extends unknown[]> = (ctx: Context, ...args: A) => Promise<number | void>;

/**
 * A commander action running a handler with its Context: whatever it throws becomes a message
 * on stderr and the documented exit code; a number it returns is the exit code.
 */
export function action<A extends unknown[]>(handler: Handler<A>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const ctx = new Context(command.optsWithGlobals<GlobalOptions>());
    try {
      const code = await handler(ctx, ...(args.slice(0, -1) as A));
      process.exitCode = code ?? 0;
    } catch (err) {
      ctx.progressDone();
      const { message, code } = await reportOf(err);
      process.stderr.write(`xp: ${message}\n`);
      process.exitCode = code;
    }
  };
}
