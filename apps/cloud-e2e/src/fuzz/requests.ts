import fc from 'fast-check';
import { jsonText, nestedText } from './json-text';
import type { ApiOperation } from './openapi-ops';
import { deepValue, fieldValue, hostileString, idOf, objectOf, PROTO_KEYS, wrongType } from './values';
import type { FuzzWorld, IdKind, Role } from './world';

/** One request as it goes on the wire. */
export interface FuzzRequest {
  route: string;
  role: Role;
  method: string;
  /** path and query, already encoded (or deliberately mis-encoded) */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What a failure report shows of a request: enough to send it again by hand. */
export function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : ` body(${r.body.length})=${JSON.stringify(r.body.slice(0, 300))}`;
  const headers = Object.entries(r.headers)
    // the role says whose token it is; the secret itself stays out of reports
    .map(([k, v]) => [k, k === 'authorization' ? v.replace(/^Bearer xp_\S+$/, 'Bearer xp_(secret)') : v] as const)
    .map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 40)}...(${v.length})` : v}`)
    .join('; ');
  const url = r.url.length > 300 ? `${r.url.slice(0, 300)}...(${r.url.length})` : r.url;
  return `${r.method} ${url} as ${r.role} [${headers}]${body}`;
}

const JSON_TYPE = 'application/json';

/** Percent-encodes the UTF-8 bytes of `s` (a lone surrogate as U+FFFD, where encodeURIComponent throws). */
const encodeParam = (s: string): string =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

const contentType = fc.oneof(
  { weight: 16, arbitrary: fc.constant<string | undefined>(JSON_TYPE) },
  {
    weight: 6,
    arbitrary: fc.constantFrom<string | undefined>(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset=nonsense',
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/merge-patch+json',
      ';;;',
      undefined,
    ),
  },
);

/** Bodies that are not a JSON object: another type, malformed, deep, huge, or another format. */
const oddBody = fc.oneof(
  wrongType.map(jsonText),
  deepValue.map(jsonText),
  fc.constantFrom(
    '{"name": "x", ',
    '{',
    '\ufeff{}',
    '{"a":1}garbage',
    '',
    ' ',
    'null',
    '"just a string"',
    '<vm><name>x</name></vm>',
    'name=x&flavor=m1.small',
    `{"userData":"${'u'.repeat(300_000)}"}`,
    `[${'1,'.repeat(120_000)}1]`,
    nestedText(40, 'object', '{"__proto__":{"polluted":1}}'),
  ),
);

function bodyFor(world: FuzzWorld, op: ApiOperation): fc.Arbitrary<string | undefined> {
  if (!op.body) return fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: oddBody });
  return fc.oneof({ weight: 6, arbitrary: objectOf(world, op.body).map(jsonText) }, { weight: 1, arbitrary: oddBody });
}

/** A path parameter: an id of the kind the path names (either tenant's), none that exists, or no id at all. */
function pathParam(world: FuzzWorld, op: ApiOperation): fc.Arbitrary<string> {
  const kind = (/^\/v1\/([a-z-]+)\//.exec(op.path)?.[1] ?? '').replace(/s$/, '');
  // a queue is named, not numbered: its routes' parameters are names (and job ids, none of them known)
  const known =
    kind === 'queue'
      ? fc.constantFrom(...world.queueNames)
      : idOf(world, kind in world.ids ? (kind as IdKind) : undefined);
  return fc.oneof(
    { weight: 6, arbitrary: known },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'not-a-uuid',
        '00000000-0000-0000-0000-000000000000',
        'C232AB00-9414-41EC-B3C8-9F6BDECED846',
        'c232ab00-9414-11ec-b3c8-9f6bdeced846',
        '%00',
        '%E0%A4%A',
        '%',
        '..%2F..%2Fetc',
        'a'.repeat(300),
        '%F0%9F%98%80',
        '1%27%20OR%20%271%27%3D%271',
        '__proto__',
        'constructor',
      ),
    },
    { weight: 1, arbitrary: hostileString.map(encodeParam) },
  );
}

/** A query's `name=value` parts: the declared parameters (valid, hostile or absent) and some strangers. */
function queryFor(world: FuzzWorld, op: ApiOperation): fc.Arbitrary<string[]> {
  const declared = op.query.map((q) =>
    fc
      .option(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fieldValue(world, q.schema, q.name).map((v) => (typeof v === 'string' ? v : jsonText(v))),
          },
          { weight: 1, arbitrary: hostileString },
        ),
        { freq: 2 },
      )
      .map((v) => (v === null ? [] : [`${q.name}=${encodeParam(v)}`])),
  );
  const strangers = fc.oneof(
    { weight: 8, arbitrary: fc.constant([] as string[]) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          ...PROTO_KEYS.map((k) => `${k}=1`),
          'constructor[prototype][polluted]=1',
          'a[b][c]=1',
          'limit=1&limit=2',
          'cursor=a&cursor=b',
          'x=%00',
          'x=%E0%A4%A',
          `x=${'q'.repeat(2_000)}`,
          'since=9223372036854775808',
        )
        .map((s) => [s]),
    },
  );
  return fc.tuple(fc.tuple(...declared), strangers).map(([own, odd]) => [...own.flat(), ...odd]);
}

const idempotencyKey = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>(undefined) },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'k'.repeat(201), 'clé', 'a b', '\t') },
);

const lastEventId = fc.constantFrom(
  '0',
  '1',
  '-1',
  '9223372036854775807',
  '9223372036854775808',
  '1'.repeat(25),
  'abc',
  '1e3',
  ' 1',
);

/** Headers now and then: a huge one, a compressed body that is not, odd authorizations. */
const oddHeaders = fc.oneof(
  { weight: 20, arbitrary: fc.constant<Record<string, string>>({}) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, string>>(
      { 'x-filler': 'f'.repeat(17_000) },
      { 'content-encoding': 'gzip' },
      { 'content-encoding': 'br' },
      { 'content-encoding': 'compress' },
      { 'content-encoding': 'identity, gzip' },
      { 'x-correlation-id': 'c'.repeat(5_000) },
      { accept: 'application/xml' },
      { 'transfer-encoding': 'chunked' },
    ),
  },
);

function authorization(world: FuzzWorld, role: Role): fc.Arbitrary<string | undefined> {
  const token = world.tokens[role];
  if (role !== 'none') return fc.constant(token ? `Bearer ${token}` : undefined);
  return fc.constantFrom(undefined, 'Bearer', 'Bearer ', 'Basic YTpi', `Bearer ${'t'.repeat(300)}`, 'Bearer a\u00e9b');
}

/** One request to one operation from one role. */
export function requestTo(world: FuzzWorld, op: ApiOperation, role: Role): fc.Arbitrary<FuzzRequest> {
  const params = fc.tuple(...op.pathParams.map(() => pathParam(world, op)));
  // now and then a URL past the 16 KB the server reads of a request's head
  const pad = fc.oneof(
    { weight: 40, arbitrary: fc.constant([] as string[]) },
    { weight: 1, arbitrary: fc.constant([`pad=${'p'.repeat(17_000)}`]) },
  );
  return fc
    .record({
      params,
      query: queryFor(world, op),
      pad,
      body: bodyFor(world, op),
      type: contentType,
      key: op.method === 'POST' ? idempotencyKey : fc.constant(undefined),
      lastEventId: op.path === '/v1/events' ? fc.option(lastEventId, { freq: 2 }) : fc.constant(null),
      auth: authorization(world, role),
      odd: oddHeaders,
    })
    .map(({ params, query, pad, body, type, key, lastEventId, auth, odd }) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => params[i++]!);
      const search = [...query, ...pad].join('&');
      const url = search ? `${path}?${search}` : path;
      const headers: Record<string, string> = { ...odd };
      if (auth !== undefined) headers['authorization'] = auth;
      if (body !== undefined && type !== undefined) headers['content-type'] = type;
      if (key !== undefined) headers['idempotency-key'] = key;
      if (lastEventId !== null) headers['last-event-id'] = lastEventId;
      const req: FuzzRequest = {
        route: op.route,
        role,
        method: op.method,
        url,
        headers,
        ...(body !== undefined ? { body } : {}),
      };
      // how fast-check prints it in a counterexample: bodies can be 300 KB
      return Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) });
    });
}

/** Any request: every operation and every role alike. */
export function anyRequest(world: FuzzWorld, ops: ApiOperation[], roles: readonly Role[]): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(fc.constantFrom(...ops), fc.constantFrom(...roles)).chain(([op, role]) => requestTo(world, op, role));
}
