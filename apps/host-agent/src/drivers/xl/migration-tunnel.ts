import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { AgentError } from '../../errors';

/** The transport helper xl runs (apps/host-agent/src/migration-transport.ts) and the node that runs it. */
export interface TransportProgram {
  node: string;
  script: string;
}

/**
 * One migration's door between `xl migrate` and the agent: a unix socket in the agent's private
 * directory, named by a random token, that takes exactly one connection (the transport's).
 */
export interface Tunnel {
  /** xl migrate's `-s` value */
  transport: string;
  /** xl migrate's `<host>` */
  token: string;
  /** the transport's connection, once xl has started it */
  connection: Promise<Socket>;
  close(): void;
}

// xl hands `-s` and `<host>` to `sh -c` (tools/xl/xl_migrate.c builds "exec <ssh> <host> xl
// migrate-receive ..."): whatever is in them is shell. Only values the agent made may go there,
// each checked against a charset with no shell meaning: the helper's fixed path, the node that
// runs it, the agent's own directory and a random hex token. Never anything a tenant or the
// control plane chose (VM names, ids, addresses).
const SHELL_SAFE_PATH = /^\/[A-Za-z0-9._/+-]+$/;
const TOKEN = /^[0-9a-f]{32}$/;
// sockaddr_un holds 108 bytes
const MAX_SOCKET_PATH = 100;

export function transportCommand(program: TransportProgram, dir: string): string {
  for (const [what, p] of [
    ['node', program.node],
    ['transport helper', program.script],
    ['socket directory', dir],
  ] as const) {
    if (!SHELL_SAFE_PATH.test(p))
      throw new AgentError(
        'failed_precondition',
        `the ${what} path ${JSON.stringify(p)} is not usable in xl's transport command`,
      );
  }
  return `${program.node} ${program.script} ${dir}`;
}

export async function openTunnel(dir: string, program: TransportProgram): Promise<Tunnel> {
  const transport = transportCommand(program, dir);
  const token = randomBytes(16).toString('hex');
  if (!TOKEN.test(token)) throw new Error('unreachable: token is not hex');
  const path = join(dir, `${token}.sock`);
  if (path.length > MAX_SOCKET_PATH)
    throw new AgentError('failed_precondition', `socket path ${path} is too long for a unix socket`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // only the agent's user may reach the sockets
  const server = createServer({ allowHalfOpen: true });
  let accepted: Socket | undefined;
  let giveUp: (err: Error) => void = () => undefined;
  const connection = new Promise<Socket>((resolve, reject) => {
    giveUp = reject;
    server.once('connection', (socket) => {
      accepted = socket;
      server.close(); // one connection per migration
      rmSync(path, { force: true });
      resolve(socket);
    });
  });
  connection.catch(() => undefined); // a tunnel closed unused is not an unhandled rejection
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return {
    transport,
    token,
    connection,
    close: () => {
      giveUp(new AgentError('unavailable', 'the migration transport never connected'));
      server.close();
      rmSync(path, { force: true });
      accepted?.destroy();
    },
  };
}
