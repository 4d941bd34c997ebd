// A stream of bytes into an agent (a live migration's memory, an image push) through a link with a
// round trip: grpc-js's default HTTP/2 receive windows (64 KiB) against the agent's widened ones
// (apps/host-agent/src/server/receive-window.ts). One process: a grpc-js server, a TCP proxy that
// delays every chunk by half the round trip each way (latency, not bandwidth: no netem here), and
// a grpc-js client streaming --mb MiB in 1 MiB messages, as the migration relay sends them.
// Plain TCP: the window's effect alone (TLS adds CPU, not round trips).
//   node dist/bench/receive-window.js [--mb 32] [--rtt-ms 0,10,50]
import { connect, createServer, type Socket } from 'node:net';
import { credentials, makeGenericClientConstructor, Server, ServerCredentials } from '@grpc/grpc-js';
import { RECEIVE_WINDOW_BYTES, widenReceiveWindow } from '../apps/host-agent/src/server/receive-window';
import { benchArgs } from './args';
import { report, round } from './report';

const MiB = 1024 * 1024;
const bytes = (b: Buffer) => b;
const SERVICE = {
  up: {
    path: '/bench.Window/Up',
    requestStream: true,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
};

/** A TCP proxy adding `oneWayMs` to every chunk in each direction, order kept. */
async function delayingProxy(targetPort: number, oneWayMs: number): Promise<{ port: number; close: () => void }> {
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.push(client, upstream);
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (d) => (oneWayMs ? setTimeout(() => to.write(d), oneWayMs) : to.write(d)));
    pipe(client, upstream);
    pipe(upstream, client);
    for (const s of [client, upstream]) s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function run(rttMs: number, widened: boolean, totalMiB: number): Promise<number> {
  const server = new Server();
  const afterBind = widened ? widenReceiveWindow(server) : () => undefined;
  let received = 0;
  server.addService(SERVICE, {
    up: (call: NodeJS.EventEmitter, done: (err: null, b: Buffer) => void) => {
      call.on('data', (d: Buffer) => (received += d.length));
      call.on('end', () => done(null, Buffer.alloc(0)));
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  afterBind();
  const proxy = await delayingProxy(port, rttMs / 2);
  const Client = makeGenericClientConstructor(SERVICE, 'Window');
  const client = new Client(`127.0.0.1:${proxy.port}`, credentials.createInsecure()) as unknown as {
    up: (cb: (err: Error | null) => void) => NodeJS.WritableStream & { end: () => void };
    close: () => void;
  };
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const call = client.up((err) => (err ? reject(err) : resolve()));
    let sent = 0;
    const more = () => {
      while (sent < totalMiB) {
        sent += 1;
        if (!call.write(Buffer.alloc(MiB))) return void call.once('drain', more);
      }
      call.end();
    };
    more();
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (received !== totalMiB * MiB) throw new Error(`received ${received} bytes of ${totalMiB * MiB}`);
  client.close();
  proxy.close();
  server.forceShutdown();
  return totalMiB / seconds;
}

async function main() {
  const args = benchArgs(['mb', 'rtt-ms']);
  const totalMiB = args.num('mb', 32);
  const rtts = args.text('rtt-ms', '0,10,50').split(',').map(Number);
  const rows: Record<string, string | number>[] = [];
  for (const rttMs of rtts) {
    const plain = await run(rttMs, false, totalMiB);
    const wide = await run(rttMs, true, totalMiB);
    rows.push({
      rttMs,
      defaultWindowMBps: round(plain, 2),
      widenedMBps: round(wide, 2),
      speedup: round(wide / plain, 1),
    });
  }
  report('receive-window', rows, { totalMiB, widenedWindowBytes: RECEIVE_WINDOW_BYTES, messageBytes: MiB });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
