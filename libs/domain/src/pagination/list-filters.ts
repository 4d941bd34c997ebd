/**
 * The query conventions of list routes (docs/API.md, "Lists"): repeatable or comma-separated
 * values, and `metadata.<key>=<value>` (or `metadata[<key>]=<value>`, as OpenAPI's deepObject
 * style sends it) gathered into one object matched by containment.
 */

/**
 * The values of a parameter given repeated (`?state=a&state=b`), as a comma list
 * (`?state=a,b`), or both; each trimmed, empty ones kept so that validation refuses them.
 * Anything else (an object from a nested key) is returned as is, for validation to refuse.
 */
export function commaList(value: unknown): unknown {
  if (typeof value === 'string') return value.split(',').map((v) => v.trim());
  if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return value.flatMap((v: string) => v.split(',').map((s) => s.trim()));
  return value;
}

const METADATA_KEY = /^metadata(?:\.(.+)|\[([^\]]+)\])$/;

/**
 * A parsed query string with its `metadata.k=v` / `metadata[k]=v` keys gathered into one
 * `metadata` object (several keys are ANDed by the route). A key given twice keeps both values
 * (an array), and a bare `metadata=` stays a string beside the object: both refused by validation.
 */
export function gatherMetadataKeys(query: Record<string, unknown>): Record<string, unknown> {
  // no prototype: a key named __proto__ stays a key (and validation refuses it), as in querystring's own result
  const out = Object.create(null) as Record<string, unknown>;
  let metadata: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(query)) {
    const m = METADATA_KEY.exec(key);
    if (!m) {
      if (key === 'metadata' && metadata) metadata[''] = value;
      else out[key] = value;
      continue;
    }
    metadata ??= Object.create(null) as Record<string, unknown>;
    const name = (m[1] ?? m[2])!;
    metadata[name] = name in metadata ? [metadata[name], value].flat() : value;
  }
  if (metadata) {
    if ('metadata' in out) metadata[''] = out['metadata'];
    out['metadata'] = metadata;
  }
  return out;
}
