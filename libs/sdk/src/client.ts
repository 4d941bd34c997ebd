import createClient, {
  type Client,
  type ClientPathsWithMethod,
  type FetchResponse,
  type MaybeOptionalInit,
} from 'openapi-fetch';
import { ProblemError, VmFailedError } from './errors';
import { type EventsOptions, streamEvents, type XenplaneEvent } from './events';
import type { paths } from './generated/openapi';
import { send, type TransportOptions } from './transport';
import type { Operation, Vm, VmState } from './types';
import { waitUntil, type WaitOptions } from './wait';

export type XenplaneOptions = TransportOptions;

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
type RawClient = Client<paths>;
type PathOf<M extends Method> = ClientPathsWithMethod<RawClient, M>;
type InitOf<P extends keyof paths, M extends Method> = MaybeOptionalInit<paths[P], M>;
// as openapi-fetch's own (not exported): the init argument is optional when nothing in it is required
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type InitParam<Init> =
  RequiredKeys<Init> extends never ? [(Init & { [key: string]: unknown })?] : [Init & { [key: string]: unknown }];
type AnswerOf<P extends keyof paths, M extends Method, Init> = NonNullable<
  FetchResponse<paths[P][M] & Record<string | number, unknown>, Init, `${string}/${string}`>['data']
>;
/** A 2xx answer's body (undefined for an answer without one). */
export type DataOf<P extends keyof paths, M extends Method, Init = object> = [AnswerOf<P, M, Init>] extends [never]
  ? undefined
  : AnswerOf<P, M, Init>;

/** Like openapi-fetch's methods, but resolving to the body and throwing ProblemError on any non-2xx. */
type DataMethod<M extends Method> = <P extends PathOf<M>, Init extends InitOf<P, M>>(
  url: P,
  ...init: InitParam<Init>
) => Promise<DataOf<P, M, Init>>;

/** GET routes that answer a page: { items, nextCursor? }. */
export type ListPath = {
  [P in PathOf<'get'>]: DataOf<P, 'get'> extends { items: unknown[]; nextCursor?: string } ? P : never;
}[PathOf<'get'>];
export type ItemOf<P extends ListPath> = DataOf<P, 'get'> extends { items: (infer I)[] } ? I : never;

export interface VmWaitOptions extends WaitOptions {
  /** every read of the VM while waiting */
  onProgress?: (vm: Vm) => void;
}

export interface Xenplane {
  /** openapi-fetch's client: never throws on 4xx/5xx, answers { data, error, response } */
  readonly raw: RawClient;
  readonly GET: DataMethod<'get'>;
  readonly POST: DataMethod<'post'>;
  readonly PUT: DataMethod<'put'>;
  readonly PATCH: DataMethod<'patch'>;
  readonly DELETE: DataMethod<'delete'>;
  /** every item of a list route, following nextCursor page after page */
  paginate<P extends ListPath, Init extends InitOf<P, 'get'>>(
    url: P,
    ...init: InitParam<Init>
  ): AsyncIterable<ItemOf<P>>;
  /** the event stream; reconnects with Last-Event-ID, so no event is lost across a reconnect */
  events(o?: EventsOptions): AsyncIterable<XenplaneEvent>;
  /**
   * Until the VM is in one of the states. Rejects with VmFailedError when it lands in error or
   * deleted instead (unless waited for), TimeoutError after timeoutMs, ProblemError on a refusal
   * (404: no such VM).
   */
  waitForVm(id: string, state: VmState | readonly VmState[], o: VmWaitOptions): Promise<Vm>;
  /** Until the operation is over: succeeded, failed or cancelled (resolves with it in each case). */
  waitForOperation(id: string, o: WaitOptions): Promise<Operation>;
}

const OPERATION_OVER = new Set(['succeeded', 'failed', 'cancelled']);

export function createXenplane(o: XenplaneOptions): Xenplane {
  const t: TransportOptions = { ...o };
  const raw = createClient<paths>({ baseUrl: o.baseUrl, fetch: (request) => send(t, request) });

  const thrower =
    (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE') =>
    async (url: string, init?: object): Promise<unknown> => {
      const call = raw[method] as (
        url: string,
        init?: object,
      ) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
      const { data, error, response } = await call(url, init);
      if (!response.ok) throw ProblemError.from(response.status, error, response.statusText);
      return data;
    };
  const GET = thrower('GET');

  async function* paginate(url: string, init?: { params?: { query?: Record<string, unknown> } }) {
    let cursor: string | undefined;
    do {
      const query = { ...init?.params?.query, ...(cursor !== undefined ? { cursor } : {}) };
      const page = (await GET(url, { ...init, params: { ...init?.params, query } })) as {
        items: unknown[];
        nextCursor?: string;
      };
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  const readVm = (id: string, signal: AbortSignal) =>
    GET('/v1/vms/{id}', { params: { path: { id } }, signal }) as Promise<Vm>;
  const readOperation = (id: string, signal: AbortSignal) =>
    GET('/v1/operations/{id}', { params: { path: { id } }, signal }) as Promise<Operation>;

  return {
    raw,
    GET: GET as DataMethod<'get'>,
    POST: thrower('POST') as DataMethod<'post'>,
    PUT: thrower('PUT') as DataMethod<'put'>,
    PATCH: thrower('PATCH') as DataMethod<'patch'>,
    DELETE: thrower('DELETE') as DataMethod<'delete'>,
    paginate: paginate as Xenplane['paginate'],
    events: (eo = {}) => streamEvents(t, eo),
    waitForVm(id, state, wo) {
      const targets: readonly string[] = Array.isArray(state) ? state : [state as VmState];
      let seen: string | undefined;
      return waitUntil(
        t,
        {
          what: `VM ${id} ${targets.join(' or ')}`,
          events: { vmId: id, types: ['vm.state'] },
          relevant: (e) => e.type === 'vm.state' && e.resourceId === id,
          read: (signal) => readVm(id, signal),
          settle(vm) {
            if (vm.state !== seen) wo.onProgress?.(vm);
            seen = vm.state;
            if (targets.includes(vm.state)) return vm;
            if (vm.state === 'error' || vm.state === 'deleted') throw new VmFailedError(vm, targets);
            return undefined;
          },
        },
        wo,
      );
    },
    waitForOperation(id, wo) {
      return waitUntil(
        t,
        {
          what: `operation ${id} over`,
          events: { types: ['operation.status'] },
          relevant: (e) => e.resourceType === 'operation' && e.resourceId === id,
          read: (signal) => readOperation(id, signal),
          settle: (op) => (OPERATION_OVER.has(op.status) ? op : undefined),
        },
        wo,
      );
    },
  };
}
