import fc from 'fast-check';
import { type Json, JsonObject, nestedText, RawJson } from './json-text';
import type { Schema } from './openapi-ops';
import type { FuzzWorld, IdKind } from './world';

/** Keys that name a member of every object's prototype, or the prototype itself. */
export const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
];

const BIG = 'x'.repeat(70_000);

/** Strings no field should choke on: NUL, huge, odd unicode, injection attempts, near-numbers. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    'm1.small\u0000',
    BIG,
    '😀'.repeat(40),
    '\u202eevil',
    'e\u0301',
    '\ud800',
    '\uffff',
    "'; DROP TABLE vms; --",
    '../../etc/passwd',
    '%s%n%x',
    '${jndi:ldap://x/a}',
    '<x>&amp;</x>',
    '\r\nx-injected: 1',
    'null',
    'NaN',
    '-1',
    '9223372036854775808',
    'a'.repeat(63),
    'a'.repeat(64),
    'a'.repeat(257),
    ...PROTO_KEYS,
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Numbers at and past every bound that matters: int4, 2^53, int8, a double's range, fractions. */
export const hostileNumber: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    -1,
    0,
    0.5,
    1.5,
    -0.000001,
    2_147_483_647,
    2_147_483_648,
    4_294_967_296,
    16_777_216,
    16_777_217,
    1_000_000_001,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    new RawJson('-0'),
    new RawJson('9007199254740993'),
    new RawJson('9223372036854775807'),
    new RawJson('9223372036854775808'),
    new RawJson('-9223372036854775809'),
    new RawJson('1e400'),
    new RawJson('1e-400'),
    new RawJson('123456789012345678901234567890'),
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Objects that try to reach a prototype. */
export const protoObject: fc.Arbitrary<Json> = fc.constantFrom<Json>(
  new JsonObject([['__proto__', new JsonObject([['polluted', 1]])]]),
  new JsonObject([['constructor', new JsonObject([['prototype', new JsonObject([['polluted', 1]])]])]]),
  new JsonObject([['prototype', new JsonObject([['polluted', 1]])]]),
  new JsonObject([['toString', 'x']]),
  new JsonObject([['hasOwnProperty', 1]]),
  new JsonObject([
    ['a', 'b'],
    ['a', 'c'],
  ]),
);

/** Values nested deeper than any field needs, from just past a sane limit to stack-breaking. */
export const deepValue: fc.Arbitrary<Json> = fc
  .tuple(fc.constantFrom(31, 32, 33, 64, 1_500, 10_000), fc.constantFrom<'array' | 'object'>('array', 'object'))
  .map(([depth, kind]) => new RawJson(nestedText(depth, kind)));

/** A value of any type but the schema's. */
export const wrongType: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, [], new JsonObject([]), [1, 'a'], '1', 1, new RawJson('[[[[[[1]]]]]]')),
  protoObject,
);

/** Known ids of a kind, of either tenant or of the operators, and ids that exist nowhere. */
export function idOf(world: FuzzWorld, kind: IdKind | undefined): fc.Arbitrary<string> {
  const known = kind ? world.ids[kind] : Object.values(world.ids).flat();
  return fc.oneof(
    { weight: 4, arbitrary: known.length ? fc.constantFrom(...known) : fc.uuid({ version: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(...Object.values(world.ids).flat()) },
    { weight: 1, arbitrary: fc.uuid() },
  );
}

/** Which kind of id a uuid field names, by its name. */
export function kindOfField(name: string): IdKind | undefined {
  if (/^(vmId)$/.test(name)) return 'vm';
  if (/pool/i.test(name)) return 'pool';
  if (/host/i.test(name)) return 'host';
  if (/serverGroup/i.test(name)) return 'serverGroup';
  if (/project/i.test(name)) return 'project';
  return undefined;
}

/** A value the schema allows (mostly: patterns and ranges as the document states them). */
export function validValue(world: FuzzWorld, schema: Schema, name: string, depth = 0): fc.Arbitrary<Json> {
  if (schema.enum?.length) return fc.constantFrom(...(schema.enum as Json[]));
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid') return idOf(world, kindOfField(name));
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      if (name === 'flavor') return fc.constantFrom(...world.flavorNames, ...world.ids.flavor);
      if (name === 'image') return fc.constantFrom(...world.imageNames, ...world.ids.image);
      if (name === 'confirm') return fc.constantFrom(...world.hostNames, 'nope');
      return fc.string({ maxLength: Math.min(schema.maxLength ?? 64, 64) });
    case 'number':
    case 'integer': {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? Math.max(min, 1_000_000);
      return Number.isInteger(min) && Number.isInteger(max)
        ? fc.integer({ min, max })
        : fc.double({ min, max, noNaN: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema.items ? validValue(world, schema.items, name, depth + 1) : fc.constant(1), {
        maxLength: 4,
      });
    default:
      return depth > 3
        ? fc.constant(new JsonObject([]))
        : membersOf(world, schema, depth + 1, 'valid').map((m) => new JsonObject(m));
  }
}

/** Any value for a field: mostly one it allows, else a hostile one of its type, else another type. */
export function fieldValue(world: FuzzWorld, schema: Schema, name: string, depth = 0): fc.Arbitrary<Json> {
  const hostile =
    schema.type === 'string'
      ? hostileString
      : schema.type === 'number' || schema.type === 'integer'
        ? hostileNumber
        : schema.type === 'array'
          ? fc.oneof(
              fc.array(hostileString, { maxLength: 3 }),
              fc.constant(Array.from({ length: 2_000 }, () => '00000000-0000-4000-8000-000000000000')),
            )
          : fc.oneof(protoObject, fc.dictionary(hostileString, hostileString, { maxKeys: 3 }).map(toObject));
  return fc.oneof(
    { weight: 8, arbitrary: validValue(world, schema, name, depth) },
    { weight: 3, arbitrary: hostile },
    { weight: 1, arbitrary: wrongType },
    { weight: 1, arbitrary: deepValue },
  );
}

const toObject = (d: Record<string, Json>) => new JsonObject(Object.entries(d));

/** Any hostile value, whatever the field's type. */
const anyHostile: fc.Arbitrary<Json> = fc.oneof(hostileString, hostileNumber, wrongType, deepValue, protoObject);

type Members = [string, Json][];

/**
 * An object of the schema's properties, in three kinds: every value one the schema allows (to
 * reach the code behind validation), one value hostile among valid ones, or any mix with strangers.
 */
export function objectOf(world: FuzzWorld, schema: Schema, depth = 0): fc.Arbitrary<Json> {
  const valid = membersOf(world, schema, depth, 'valid');
  const oneHostile = fc
    .tuple(valid, fc.nat(), anyHostile)
    .map(([members, i, bad]): Members =>
      members.length ? members.map(([k, v], j) => [k, j === i % members.length ? bad : v]) : [['x', bad]],
    );
  return fc
    .oneof(
      { weight: 1, arbitrary: valid },
      { weight: 2, arbitrary: oneHostile },
      { weight: 2, arbitrary: membersOf(world, schema, depth, 'any') },
    )
    .map((members) => new JsonObject(members));
}

function membersOf(world: FuzzWorld, schema: Schema, depth: number, kind: 'valid' | 'any'): fc.Arbitrary<Members> {
  const value = kind === 'valid' ? validValue : fieldValue;
  const required = new Set(schema.required ?? []);
  const members = Object.entries(schema.properties ?? {}).map(([name, s]) =>
    fc
      .tuple(fc.integer({ min: 0, max: 9 }), value(world, s, name, depth))
      // an optional member is left out half the time; a required one, when any goes, one time in ten
      .map(([roll, v]): [string, Json] | undefined =>
        roll < (required.has(name) ? (kind === 'valid' ? 0 : 1) : 5) ? undefined : [name, v],
      ),
  );
  const extra = schema.additionalProperties;
  const additional =
    extra && typeof extra === 'object'
      ? fc.array(
          fc.tuple(
            kind === 'valid'
              ? fc.stringMatching(/^[a-z0-9._/-]{1,12}$/)
              : fc.oneof(fc.stringMatching(/^[a-z0-9._/-]{1,12}$/), hostileString),
            value(world, extra, 'value', depth),
          ),
          { maxLength: 4 },
        )
      : fc.constant([] as Members);
  const strangers: fc.Arbitrary<Members> =
    kind === 'valid'
      ? fc.constant([])
      : fc.oneof(
          { weight: 6, arbitrary: fc.constant([] as Members) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.constantFrom(...PROTO_KEYS), fc.oneof(protoObject, fc.constant<Json>(1)))
              .map((m): Members => [m]),
          },
          { weight: 1, arbitrary: fc.tuple(hostileString, fc.constant<Json>('x')).map((m): Members => [m]) },
        );
  return fc
    .tuple(fc.tuple(...members), additional, strangers)
    .map(([own, more, odd]) => [...own.filter((m): m is [string, Json] => !!m), ...more, ...odd]);
}
