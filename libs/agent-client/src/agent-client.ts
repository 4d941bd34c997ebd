import {
  type CallOptions,
  type ClientDuplexStream,
  Metadata,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import {
  CORRELATION_HEADER,
  currentCorrelationId,
  currentWork,
  decodeSteps,
  injectTraceContext,
  OPERATION_ID_HEADER,
  sendSteps,
  stepIfTraced,
  STEPS_TRAILER,
  VM_ID_HEADER,
} from '@xenplane/observability';
import {
  type DomainEvent,
  HostAgentClient,
  type ImageChunk,
  type StoredImage,
  HostAgentService,
  type MigrationChunk,
  type WatchEventsRequest,
} from '@xenplane/proto';
import { channelCredentialsFor, channelOptionsFor, type TlsIdentity } from './credentials';

type Service = typeof HostAgentService;

const UNARY = [
  'getHostInfo',
  'heartbeat',
  'listDomains',
  'getDomain',
  'createDomain',
  'shutdownDomain',
  'destroyDomain',
  'rebootDomain',
  'pauseDomain',
  'unpauseDomain',
  'setMemory',
  'setVcpus',
  'pinVcpu',
  'saveDomain',
  'restoreDomain',
  'migrateDomain',
  'prepareIncomingMigration',
  'getConsoleLog',
  'ping',
  'probeHost',
  'getImage',
  'snapshotDisks',
  'revertDisks',
  'deleteSnapshot',
  'cloneDisks',
  'listStorage',
  'requestCertificateRenewal',
  'installCertificate',
] as const satisfies readonly (keyof Service)[];

type UnaryName = (typeof UNARY)[number];
type RequestOf<K extends UnaryName> = Parameters<Service[K]['requestSerialize']>[0];
type ResponseOf<K extends UnaryName> = ReturnType<Service[K]['responseDeserialize']>;

export interface CallOpts {
  deadlineMs?: number;
  correlationId?: string;
  signal?: AbortSignal;
}

/** The HostAgent RPCs as promises, each with a deadline and the caller's correlation id. */
export type AgentClient = { [K in UnaryName]: (request: RequestOf<K>, opts?: CallOpts) => Promise<ResponseOf<K>> } & {
  watchEvents(request: WatchEventsRequest, opts?: CallOpts): AsyncIterable<DomainEvent>;
  receiveMigration(opts?: CallOpts): ClientDuplexStream<MigrationChunk, MigrationChunk>;
  /**
   * PutImage: sends the chunks (the header first) as the channel takes them (each write waits
   * for the stream to drain, so no more than a chunk or two is in memory) and resolves with the
   * agent's answer once it kept the image. The deadline covers the whole copy.
   */
  putImage(chunks: AsyncIterable<ImageChunk>, opts?: CallOpts): Promise<StoredImage>;
  /** When its last call ended (ms since the epoch); undefined while a call is in flight. */
  idleSince(): number | undefined;
  close(): void;
};

/**
 * Told of each unary call's end (PutImage's too): the method (`heartbeat`, `createDomain`...),
 * its seconds, and its gRPC status code (0, OK, when it succeeded). How a process makes metrics
 * of its calls without this library knowing of Prometheus.
 */
export type AgentCallObserver = (method: string, seconds: number, code: number) => void;

type RawUnary = (
  req: unknown,
  md: Metadata,
  options: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: unknown) => void,
) => { cancel(): void; on(event: 'status', l: (status: StatusObject) => void): unknown };

export function createAgentClient(
  address: string,
  hostId: string,
  identity: TlsIdentity,
  defaultDeadlineMs: number,
  observe?: AgentCallObserver,
): AgentClient {
  const raw = new HostAgentClient(address, channelCredentialsFor(identity), {
    ...channelOptionsFor(hostId),
    'grpc.keepalive_time_ms': 30_000,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    // channelz keeps per-channel traces for a debugging service we do not serve: ~4.5 KB of
    // heap per channel, 45 MB for a scheduler reaching 10,000 hosts
    'grpc.enable_channelz': 0,
  });
  // the caller's correlation id, trace context and operation: the agent's spans and log lines
  // continue the caller's
  const metadata = (opts?: CallOpts) => {
    const md = new Metadata();
    const id = opts?.correlationId ?? currentCorrelationId();
    if (id) md.set(CORRELATION_HEADER, id);
    const work = currentWork();
    if (work?.operationId) md.set(OPERATION_ID_HEADER, work.operationId);
    if (work?.vmId) md.set(VM_ID_HEADER, work.vmId);
    injectTraceContext((key, value) => md.set(key, value));
    return md;
  };
  const deadline = (opts?: CallOpts) => new Date(Date.now() + (opts?.deadlineMs ?? defaultDeadlineMs));
  const usage = new CallCounter();
  const client = {} as Record<string, unknown>;
  for (const name of UNARY) {
    const method = (raw[name] as unknown as RawUnary).bind(raw);
    const rpc = HostAgentService[name].path.split('/').pop()!;
    // the agent's steps come back in the trailing metadata of its answer (grpc-js emits the
    // status, trailers included, just after the callback: read when the awaiting caller resumes)
    const send = (request: unknown, opts?: CallOpts, onTrailers?: (b: Buffer | undefined) => void) =>
      new Promise((resolve, reject) => {
        const ended = usage.started();
        const started = performance.now();
        const call = method(request, metadata(opts), { deadline: deadline(opts) }, (err, res) => {
          ended();
          observe?.(name, (performance.now() - started) / 1000, err ? err.code : 0);
          if (err) reject(err);
          else resolve(res);
        });
        if (onTrailers) call.on('status', (status) => onTrailers(status.metadata.get(STEPS_TRAILER)[0] as Buffer));
        opts?.signal?.addEventListener('abort', () => call.cancel(), { once: true });
      });
    // a call made outside any trace (a heartbeat, a monitor's look) is no step of anything
    client[name] = (request: unknown, opts?: CallOpts) =>
      stepIfTraced(
        `agent.${rpc}`,
        async () => {
          let steps: Buffer | undefined;
          try {
            return await send(request, opts, (b) => (steps = b));
          } finally {
            await sendSteps(decodeSteps(steps));
          }
        },
        { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', 'rpc.method': rpc, 'host.id': hostId } },
      );
  }
  client['watchEvents'] = (request: WatchEventsRequest, opts?: CallOpts) => {
    const stream = raw.watchEvents(request, metadata(opts), opts?.deadlineMs ? { deadline: deadline(opts) } : {});
    stream.once('status', usage.started());
    opts?.signal?.addEventListener('abort', () => stream.cancel(), { once: true });
    return stream as AsyncIterable<DomainEvent>;
  };
  client['receiveMigration'] = (opts?: CallOpts) => {
    const stream = raw.receiveMigration(metadata(opts), opts?.deadlineMs ? { deadline: deadline(opts) } : {});
    stream.once('status', usage.started());
    opts?.signal?.addEventListener('abort', () => stream.cancel(), { once: true });
    return stream;
  };
  client['putImage'] = (chunks: AsyncIterable<ImageChunk>, opts?: CallOpts) =>
    new Promise<StoredImage>((resolve, reject) => {
      const ended = usage.started();
      const started = performance.now();
      const call = raw.putImage(metadata(opts), { deadline: deadline(opts) }, (err, res) => {
        ended();
        observe?.('putImage', (performance.now() - started) / 1000, err ? err.code : 0);
        if (err) reject(err);
        else resolve(res);
      });
      opts?.signal?.addEventListener('abort', () => call.cancel(), { once: true });
      // the agent may answer (refuse) before the last chunk: then nothing more is read or sent
      let answered = false;
      const answer = new Promise<void>((r) =>
        call.once('status', () => {
          answered = true;
          r();
        }),
      );
      void (async () => {
        for await (const chunk of chunks) {
          if (answered) return;
          if (!call.write(chunk)) await Promise.race([new Promise<void>((r) => call.once('drain', r)), answer]);
        }
        call.end();
      })().catch((err: unknown) => {
        // a source that failed: the agent sees the stream cancelled and keeps nothing
        call.cancel();
        reject(err as Error);
      });
    });
  client['idleSince'] = () => usage.idleSince();
  client['close'] = () => raw.close();
  return client as AgentClient;
}

/** Calls in flight on a channel, so that a pool closes only channels nobody is using. */
class CallCounter {
  private inFlight = 0;
  private lastEnded = Date.now();

  /** Counts a call; the function returned ends it (once, however often it is called). */
  started(): () => void {
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      this.lastEnded = Date.now();
    };
  }

  idleSince(): number | undefined {
    return this.inFlight === 0 ? this.lastEnded : undefined;
  }
}
