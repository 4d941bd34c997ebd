import type { Server } from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session, Settings } from 'node:http2';

/**
 * What a stream of bytes into the agent may have in flight: a migration's memory, an image being
 * pushed. grpc-js's server advertises HTTP/2's default 64 KiB windows (stream and connection) and
 * has no setting for them, so such a stream carried at most 64 KiB per round trip: 0.78 MB/s at a
 * 50 ms round trip, 54 MB/s with 8 MiB windows (`node dist/bench/receive-window.js`,
 * BENCHMARKS.md). A slow reader still holds the sender back once the window is full; the memory a
 * connection can hold is this, not more.
 */
export const RECEIVE_WINDOW_BYTES = 8 * 1024 * 1024;

// grpc-js's own fields: the settings every HTTP/2 server it makes gets, and those servers
interface GrpcServerInternals {
  commonServerOptions: { settings?: Settings };
  http2Servers: Map<Http2Server, unknown>;
}

/**
 * Widens the server's receive windows: the stream window in the HTTP/2 settings of the servers it
 * will make (call before bindAsync), and the connection window on each session once bound (call
 * the function it returns after bindAsync). A grpc-js release that renames these fields fails
 * receive-window.spec.ts, not a migration.
 */
export function widenReceiveWindow(server: Server, bytes = RECEIVE_WINDOW_BYTES): () => void {
  const internals = server as unknown as GrpcServerInternals;
  if (!internals.commonServerOptions || !(internals.http2Servers instanceof Map))
    throw new Error('grpc-js Server internals changed: receive windows cannot be widened');
  internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: bytes };
  return () => {
    for (const http2Server of internals.http2Servers.keys())
      http2Server.on('session', (session: ServerHttp2Session) => session.setLocalWindowSize(bytes));
  };
}
