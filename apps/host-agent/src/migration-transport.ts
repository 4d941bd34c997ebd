// The migration transport xl runs on the source host: `xl migrate -s "<node> <this file> <dir>"
// <domain> <token>` makes xl execute `sh -c "exec <node> <this file> <dir> <token> xl
// migrate-receive ..."` with its migration stream on our stdin/stdout. We relay both ways to the
// agent's per-migration unix socket <dir>/<token>.sock, and the agent relays them over its mutual
// TLS channel to the target agent, which runs `xl migrate-receive` itself: no SSH between hosts.
// What follows the token is xl's idea of the remote command; the target agent decides that, so
// it is ignored here. Node built-ins only: this runs as its own small process.
import { connect } from 'node:net';
import { join } from 'node:path';

const TOKEN = /^[0-9a-f]{32}$/;

function fail(message: string): never {
  process.stderr.write(`xenplane migration transport: ${message}\n`);
  process.exit(1);
}

function main(): void {
  const [dir, token] = process.argv.slice(2);
  if (!dir || !token || !TOKEN.test(token)) fail('usage: migration-transport <socket dir> <token>');
  // half-open: xl finishing its stream must not cut what the target still has to say
  const socket = connect({ path: join(dir, `${token}.sock`), allowHalfOpen: true });
  socket.on('error', (err) => fail(`agent socket: ${err.message}`));
  process.stdout.on('error', () => socket.destroy()); // xl stopped reading: the migration is over
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
  // The agent hung up: the target is done (or gone), nothing more will come. Exit rather than
  // wait for xl to close our stdin (a sender waiting for the receiver's answer never does);
  // exiting closes stdout, so xl sees its transport end. Ending process.stdout would not.
  const finish = (code: number) => process.stdout.write('', () => process.exit(code));
  socket.on('end', () => finish(0));
  socket.on('close', (hadError) => finish(hadError ? 1 : 0));
}

main();
