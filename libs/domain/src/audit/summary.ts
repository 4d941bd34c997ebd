/**
 * The small, safe summary of a request body an audit row keeps: only the fields a route's rule
 * names (an allowlist, so a field added to a request later is left out until someone decides
 * it is safe), only scalars, strings cut short. Secrets, user-data and tokens are never named.
 */

/** A field to keep: its name, or an object's name with the fields to keep of it. */
export type FieldSpec = string | readonly [string, readonly string[]];

export type SummaryValue = string | number | boolean | { [field: string]: string | number | boolean };
export type Summary = Record<string, SummaryValue>;

/** Longer strings are cut: a summary says what was asked, it is not a copy of the request. */
export const SUMMARY_STRING_MAX = 100;

export function summarize(body: Record<string, unknown>, fields: readonly FieldSpec[]): Summary {
  const out: Summary = {};
  for (const spec of fields) {
    const [name, nested] = typeof spec === 'string' ? [spec, undefined] : spec;
    const value = body[name];
    if (nested) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      const inner: Record<string, string | number | boolean> = {};
      for (const field of nested) {
        const v = scalar((value as Record<string, unknown>)[field]);
        if (v !== undefined) inner[field] = v;
      }
      if (Object.keys(inner).length) out[name] = inner;
      continue;
    }
    const v = scalar(value);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function scalar(v: unknown): string | number | boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return v.length > SUMMARY_STRING_MAX ? `${v.slice(0, SUMMARY_STRING_MAX)}…` : v;
  return undefined;
}
