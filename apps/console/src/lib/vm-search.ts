import { VM_STATES, type VmState } from '@xenplane/sdk';

/** The VM list's filters, as kept in the URL's search params (?state=running,stopped&name=web&meta=k=v). */
export interface VmSearch {
  state?: VmState[];
  /** a name prefix (the API's namePrefix) */
  name?: string;
  /** metadata filters, each `key=value` */
  meta?: string[];
}

const isState = (s: unknown): s is VmState => typeof s === 'string' && (VM_STATES as readonly string[]).includes(s);

const list = (raw: unknown): string[] =>
  (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [])
    .filter((s): s is string => typeof s === 'string')
    .map((s) => s.trim())
    .filter(Boolean);

/** What the router reads from the URL: anything malformed is dropped, never thrown. */
export function parseVmSearch(raw: Record<string, unknown>): VmSearch {
  const out: VmSearch = {};
  const states = [...new Set(list(raw['state']).filter(isState))];
  if (states.length) out.state = states;
  if (typeof raw['name'] === 'string' && raw['name'].trim()) out.name = raw['name'].trim();
  const meta = list(raw['meta']).filter((m) => /^[^=]+=.*$/.test(m));
  if (meta.length) out.meta = meta;
  return out;
}

/**
 * The GET /v1/vms query for these filters (metadata as the API's deepObject `metadata[key]=value`),
 * narrowed to a project when a global token chose one.
 */
export function vmListQuery(s: VmSearch, limit: number, cursor?: string, projectId?: string) {
  const metadata: Record<string, string> = {};
  for (const m of s.meta ?? []) {
    const at = m.indexOf('=');
    metadata[m.slice(0, at).trim()] = m.slice(at + 1).trim();
  }
  return {
    limit,
    ...(cursor ? { cursor } : {}),
    ...(projectId ? { projectId } : {}),
    ...(s.state?.length ? { state: s.state } : {}),
    ...(s.name ? { namePrefix: s.name } : {}),
    ...(Object.keys(metadata).length ? { metadata } : {}),
  };
}
