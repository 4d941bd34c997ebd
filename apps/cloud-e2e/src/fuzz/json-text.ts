/**
 * JSON the fuzzer writes itself, so that a body can hold what JSON.stringify cannot: keys like
 * `__proto__` as own keys, duplicate keys, number literals past 2^53 or past a double's range.
 */
export type Json = null | boolean | number | string | Json[] | JsonObject | RawJson;

/** An object as the list of its members, in order (duplicates and proto keys kept). */
export class JsonObject {
  constructor(readonly members: [string, Json][]) {}
}

/** Text written as it is: a number literal such as 9223372036854775808, or a whole malformed body. */
export class RawJson {
  constructor(readonly text: string) {}
}

export function jsonText(value: Json): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonObject)
    return `{${value.members.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  // JSON.stringify turns NaN and the infinities into null: the fuzzer only makes finite numbers
  return JSON.stringify(value);
}

/** `depth` arrays or objects nested in one another, written without recursion. */
export function nestedText(depth: number, kind: 'array' | 'object', inner = '1'): string {
  return kind === 'array'
    ? '['.repeat(depth) + inner + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}
