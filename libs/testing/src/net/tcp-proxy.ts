import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * How a cut link behaves. 'refuse': new connections are reset at once (a closed port, a host
 * that rebooted). 'drop': new connections are accepted, then nothing is forwarded and nothing
 * answered (a partition as a client sees it: every call hangs until its deadline).
 * Either way the connections open at the cut are destroyed.
 */
export type CutMode = 'refuse' | 'drop';

export interface TcpProxyOptions {
  /** where to forward: host:port, or its parts */
  target: string | { host: string; port: number };
  /** the port to listen on, on 127.0.0.1 (default: a free one the OS picks) */
  port?: number;
}

export interface TcpProxyStats {
  /** every connection a client made to the proxy */
  accepted: number;
  /** of those, the ones forwarded to the target */
  forwarded: number;
  /** reset at once while cut in 'refuse' mode */
  refused: number;
  /** held silent while cut in 'drop' mode */
  blackholed: number;
  /** open connections destroyed by cut(), heal() (the silent ones) or close() */
  severed: number;
  /** connections open now, forwarded or held silent */
  open: number;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
}

/**
 * A TCP forwarder on 127.0.0.1 to one target, that a test cuts and heals: the network between
 * two processes on this machine, made breakable. Bytes pass through untouched (mutual TLS
 * works end to end), half-closes are passed on, and an error on either side ends that
 * connection only. It keeps no timers.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private cutMode: CutMode | undefined;
  private closed = false;
  private readonly counts = { accepted: 0, forwarded: 0, refused: 0, blackholed: 0, severed: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly target: { host: string; port: number },
  ) {}

  static async start(opts: TcpProxyOptions): Promise<TcpProxy> {
    const target = typeof opts.target === 'string' ? parseHostPort(opts.target) : opts.target;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        const a = server.address();
        if (typeof a === 'object' && a) resolve(a.port);
        else reject(new Error('the proxy has no port'));
      });
    });
    const proxy = new TcpProxy(server, port, target);
    server.on('connection', (socket: Socket) => proxy.accept(socket));
    // a listening server's later errors (EMFILE on accept) must not crash the test process
    server.on('error', () => undefined);
    return proxy;
  }

  /** host:port clients dial */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** 'open', or how it is cut */
  get mode(): CutMode | 'open' {
    return this.cutMode ?? 'open';
  }

  get stats(): TcpProxyStats {
    return { ...this.counts, open: this.pairs.size };
  }

  /** Cuts the link: open connections are destroyed, new ones refused or held silent (mode). */
  cut(mode: CutMode = 'drop'): void {
    if (this.closed) throw new Error('the proxy is closed');
    this.cutMode = mode;
    this.severAll();
  }

  /** Forwards again. Connections held silent by a 'drop' cut are destroyed: what their
   * clients sent was thrown away, so they could not go on; their clients connect again. */
  heal(): void {
    if (this.closed) throw new Error('the proxy is closed');
    if (!this.cutMode) return;
    this.cutMode = undefined;
    this.severAll();
  }

  /** Stops listening and destroys every connection; resolves when the port is released. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.severAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.counts.accepted++;
    if (this.closed) {
      client.destroy();
      return;
    }
    client.on('error', () => undefined);
    if (this.cutMode === 'refuse') {
      this.counts.refused++;
      abortConnection(client);
      return;
    }
    const pair: Pair = { client };
    this.pairs.add(pair);
    client.once('close', () => this.end(pair));
    if (this.cutMode === 'drop') {
      this.counts.blackholed++;
      // read and discard: nothing reaches the target, nothing comes back
      client.on('data', () => undefined);
      client.resume();
      return;
    }
    this.forward(pair);
  }

  private forward(pair: Pair): void {
    this.counts.forwarded++;
    const { client } = pair;
    const upstream = connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    // the target not there (its process died): the client sees a reset, as from a closed port
    upstream.on('error', () => abortConnection(client));
    upstream.once('close', () => this.end(pair));
    // pipe passes each side's end (FIN) on as the other's end(), and keeps its backpressure
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** One side closed: a side that failed (an error, a reset) takes the other with it; one
   * that ended cleanly lets the other finish writing what it holds. */
  private end(pair: Pair): void {
    const { client, upstream } = pair;
    if (client.destroyed && (!upstream || upstream.destroyed)) {
      this.pairs.delete(pair);
      return;
    }
    const failed = (s: Socket | undefined) => !!s && s.destroyed && (s.errored !== null || !s.readableEnded);
    if (failed(client)) abortConnection(upstream);
    else if (failed(upstream)) abortConnection(client);
    else for (const s of [client, upstream]) if (s && !s.destroyed && !s.writableEnded) s.end();
  }

  private severAll(): void {
    for (const pair of [...this.pairs]) {
      this.counts.severed++;
      this.pairs.delete(pair);
      abortConnection(pair.client);
      abortConnection(pair.upstream);
    }
  }
}

/**
 * Tears a connection down with a reset where it can: a connecting socket, or one whose side is
 * ended, is just destroyed. (Node 20's resetAndDestroy() on a socket whose shutdown is still
 * pending fails with EINVAL and leaves the handle open for ever, never 'close', and the
 * process spins at exit: libuv's uv_tcp_close_reset refuses a shutting stream.)
 */
export function abortConnection(s: Socket | undefined): void {
  if (!s || s.destroyed) return;
  if (s.connecting || s.writableEnded) s.destroy();
  else s.resetAndDestroy();
}

function parseHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`not host:port: ${address}`);
  return { host: address.slice(0, i), port };
}
