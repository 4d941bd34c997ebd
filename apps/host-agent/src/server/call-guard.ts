import { Metadata, status as Status } from '@grpc/grpc-js';
import { context, SpanKind } from '@opentelemetry/api';
import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';
import { identityFromSubjectAltName, type Identity } from '@xenplane/pki';
import {
  CORRELATION_HEADER,
  encodeSteps,
  extractTraceContext,
  getLogger,
  OPERATION_ID_HEADER,
  step,
  type StepRecord,
  STEPS_TRAILER,
  TRACEPARENT,
  VM_ID_HEADER,
  withCorrelationId,
  withWork,
} from '@xenplane/observability';
import { AgentError, toServiceError } from '../errors';
import { rpcFailures, rpcSeconds } from '../metrics';
import type { CallContext } from '../drivers/driver';
import { GcPacer } from './gc-pacer';

const log = getLogger('rpc');
const gcPacer = new GcPacer(globalThis.gc);

/** Who may call: the control plane for commands, other hosts for migration streams. */
export type Caller = 'control-plane' | 'host';

/** The caller's identity from its client certificate (mutual TLS), if it has one of ours. */
export function peerIdentity(call: ServerSurfaceCall): Identity | undefined {
  const cert = call.getAuthContext()?.sslPeerCertificate;
  return cert ? identityFromSubjectAltName(cert.subjectaltname) : undefined;
}

export function authorize(call: ServerSurfaceCall, allowed: readonly Caller[]): Identity {
  const identity = peerIdentity(call);
  if (!identity) throw new AgentError('unauthenticated', 'a client certificate from the control plane CA is required');
  const kind: Caller = identity.kind === 'control-plane' ? 'control-plane' : 'host';
  if (!allowed.includes(kind)) throw new AgentError('permission_denied', `a ${kind} may not make this call`);
  return identity;
}

/** The call's cancellation: the client went away or its deadline passed. */
export function callContext(
  call: ServerSurfaceCall & { on(event: 'cancelled', l: () => void): unknown },
): CallContext & { done(): void } {
  return new RpcCallContext(call);
}

/**
 * The AbortSignal is made the first time a handler asks for it. Node 20 gives every AbortSignal a
 * hidden class (V8 map) of its own, and maps are allocated in the old generation: ~1.5 KB per
 * signal, ~0.7 KB of it old-generation garbage that only a major GC frees. Calls that never read
 * the signal (a heartbeat to the simulator) do not pay for one.
 */
class RpcCallContext implements CallContext {
  readonly correlationId: string | undefined;
  private controller?: AbortController;
  /** why the call ended early, once it did: the signal's reason, made when someone looks */
  private ended?: { message: string; name: string };
  private readonly timer?: NodeJS.Timeout;

  constructor(call: ServerSurfaceCall & { on(event: 'cancelled', l: () => void): unknown }) {
    call.on('cancelled', () => this.abort('cancelled', 'AbortError'));
    const deadline = call.getDeadline();
    const ms =
      deadline instanceof Date
        ? deadline.getTime() - Date.now()
        : typeof deadline === 'number' && Number.isFinite(deadline)
          ? deadline - Date.now()
          : undefined;
    if (ms !== undefined && ms < 2 ** 31)
      this.timer = setTimeout(() => this.abort('deadline', 'TimeoutError'), Math.max(0, ms));
    this.correlationId = firstString(call.metadata, CORRELATION_HEADER);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(new DOMException(this.ended.message, this.ended.name));
    }
    return this.controller.signal;
  }

  done(): void {
    clearTimeout(this.timer);
  }

  private abort(message: string, name: string): void {
    if (this.ended) return;
    this.ended = { message, name };
    this.controller?.abort(new DOMException(message, name));
  }
}

function firstString(md: Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return typeof v === 'string' ? v : undefined;
}

type UnaryCall<Req> = ServerSurfaceCall & { request: Req; on(event: 'cancelled', l: () => void): unknown };
type Callback<Res> = (err: { code: Status; details: string } | null, res?: Res | null, trailer?: Metadata) => void;

export interface UnaryOptions {
  method: string;
  /** the serving host's name: the `host` label of the RPC metrics (one per host of a fleet) */
  host?: string;
  allowed: readonly Caller[];
  /** a condition (dead host, cut-off host) under which nothing answers (it reads the call's signal only while it holds the call) */
  blackHole?: (ctx: CallContext) => Promise<void>;
}

/** Wraps a unary handler: authorization, cancellation, correlation id, one error mapping, a log line, the GC's pace. */
export function unary<Req, Res>(o: UnaryOptions, handler: (req: Req, ctx: CallContext) => Promise<Res>) {
  return unaryFromPeer<Req, Res>(o, (req, ctx) => handler(req, ctx));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The operation a call works for, as its caller says (ids only, anything else dropped: a caller
 * must not forge log lines), and whether it is traced: a call in a trace runs as a step of it,
 * and its steps go back in the answer's trailing metadata. A call outside any trace (a
 * heartbeat) makes no span at all.
 */
function callWork(md: Metadata, correlationId: string | undefined) {
  const id = (key: string) => {
    const v = firstString(md, key);
    return v && UUID.test(v) ? v : undefined;
  };
  const traceparent = firstString(md, TRACEPARENT);
  const reported: StepRecord[] = [];
  return {
    traced: traceparent !== undefined,
    parent: extractTraceContext(traceparent),
    work: {
      correlationId: correlationId ?? null,
      operationId: id(OPERATION_ID_HEADER) ?? null,
      vmId: id(VM_ID_HEADER) ?? null,
      ...(traceparent ? { steps: async (s: readonly StepRecord[]) => void reported.push(...s) } : {}),
    },
    trailer(): Metadata | undefined {
      if (reported.length === 0) return undefined;
      const md = new Metadata();
      md.set(STEPS_TRAILER, encodeSteps(reported));
      return md;
    },
  };
}

/** unary, for a handler that needs to know who called: the identity its certificate names. */
export function unaryFromPeer<Req, Res>(
  o: UnaryOptions,
  handler: (req: Req, ctx: CallContext, caller: Identity) => Promise<Res>,
) {
  const spanName = `rpc.${o.method}`;
  const attributes = { 'rpc.system': 'grpc', 'rpc.method': o.method };
  return (call: UnaryCall<Req>, callback: Callback<Res>): void => {
    const ctx = callContext(call);
    const started = Date.now();
    const w = callWork(call.metadata, ctx.correlationId);
    // an operation's calls are logged at info (its work must show at info in every process);
    // the rest, heartbeats first, at debug
    const level = w.work.operationId ? 'info' : 'debug';
    const measured = measure(o);
    void context.with(w.parent, () =>
      withWork(w.work, async () => {
        try {
          const caller = authorize(call, o.allowed);
          if (o.blackHole) await o.blackHole(ctx);
          const res = w.traced
            ? await step(spanName, () => handler(call.request, ctx, caller), { kind: SpanKind.SERVER, attributes })
            : await handler(call.request, ctx, caller);
          log[level]({ method: o.method, ms: Date.now() - started }, 'rpc');
          measured();
          callback(null, res, w.trailer());
        } catch (err) {
          const e = toServiceError(err);
          log[e.code === Status.NOT_FOUND ? 'debug' : 'warn'](
            { method: o.method, code: Status[e.code], err: e.details, ms: Date.now() - started },
            'rpc failed',
          );
          measured(e.code);
          callback(e, null, w.trailer());
        } finally {
          ctx.done();
          gcPacer.called();
        }
      }),
    );
  };
}

type ClientStreamCall<Req> = ServerSurfaceCall &
  AsyncIterable<Req> & { on(event: 'cancelled', l: () => void): unknown };

/**
 * clientStreaming: unary's guard for a call whose request is a stream (PutImage): the caller
 * is authorized before a chunk is read, and the handler reads the stream itself.
 */
export function clientStreaming<Req, Res>(
  o: UnaryOptions,
  handler: (stream: AsyncIterable<Req>, ctx: CallContext) => Promise<Res>,
) {
  return (call: ClientStreamCall<Req>, callback: Callback<Res>): void => {
    const ctx = callContext(call);
    const started = Date.now();
    const measured = measure(o);
    void withCorrelationId(ctx.correlationId, async () => {
      try {
        authorize(call, o.allowed);
        if (o.blackHole) await o.blackHole(ctx);
        const res = await handler(call, ctx);
        log.debug({ method: o.method, ms: Date.now() - started }, 'rpc');
        measured();
        callback(null, res);
      } catch (err) {
        const e = toServiceError(err);
        log.warn({ method: o.method, code: Status[e.code], err: e.details, ms: Date.now() - started }, 'rpc failed');
        measured(e.code);
        callback(e);
      } finally {
        ctx.done();
      }
    });
  };
}

/** Starts timing a call: the function returned records its end (with the failure's status code, if it failed). */
function measure(o: UnaryOptions): (failed?: Status) => void {
  const host = o.host ?? '';
  const end = rpcSeconds.startTimer({ method: o.method });
  return (failed) => {
    end();
    if (failed !== undefined) rpcFailures.inc({ host, method: o.method, code: Status[failed] ?? String(failed) });
  };
}
