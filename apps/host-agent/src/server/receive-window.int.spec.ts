import { connect, type ClientHttp2Session } from 'node:http2';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { waitFor } from '@xenplane/testing';
import { RECEIVE_WINDOW_BYTES, widenReceiveWindow } from './receive-window';

/** A grpc-js server (no service needed: the windows are the HTTP/2 session's) and a raw HTTP/2 client of it. */
async function serveAndConnect(widen: boolean): Promise<{ server: Server; session: ClientHttp2Session }> {
  const server = new Server();
  const afterBind = widen ? widenReceiveWindow(server) : () => undefined;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  afterBind();
  const session = connect(`http://127.0.0.1:${port}`);
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  return { server, session };
}

describe("the agent's HTTP/2 receive windows (real grpc-js server, real HTTP/2 client)", () => {
  const opened: { server: Server; session: ClientHttp2Session }[] = [];
  afterAll(() => {
    for (const { server, session } of opened) {
      session.destroy();
      server.forceShutdown();
    }
  });

  it('advertises HTTP/2’s 64 KiB windows unless widened (what held migrations to 64 KiB a round trip)', async () => {
    const plain = await serveAndConnect(false);
    opened.push(plain);
    expect(plain.session.remoteSettings.initialWindowSize).toBe(65_535);
    expect(plain.session.state.remoteWindowSize).toBe(65_535);
  });

  it('widened: each stream and the whole connection may carry 8 MiB before the agent answers', async () => {
    const wide = await serveAndConnect(true);
    opened.push(wide);
    expect(wide.session.remoteSettings.initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
    // the connection's window grows by the WINDOW_UPDATE the server sends once the session is up
    await waitFor(
      'the connection window widened',
      async () => ((wide.session.state.remoteWindowSize ?? 0) >= RECEIVE_WINDOW_BYTES ? true : undefined),
      { timeoutMs: 5_000, intervalMs: 20 },
    );
  });
});
