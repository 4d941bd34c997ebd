import { DomainState } from '@xenplane/proto';

export interface XlListRow {
  name: string;
  domId: number;
  memoryMb: number;
  vcpus: number;
  state: DomainState;
  cpuTimeSeconds: number;
}

/**
 * `xl list`: "Name ID Mem VCPUs State Time(s)" rows. The state column is six positions, one
 * letter each (r b p s c d) or "-": the first letter set is the state.
 */
export function parseXlList(text: string): XlListRow[] {
  const rows: XlListRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([rbpscd-]{6})\s+([\d.]+)/.exec(line.trim());
    if (!m) continue;
    rows.push({
      name: m[1]!,
      domId: Number(m[2]),
      memoryMb: Number(m[3]),
      vcpus: Number(m[4]),
      state: stateOf(m[5]!),
      cpuTimeSeconds: Number(m[6]),
    });
  }
  return rows;
}

const LETTERS: [string, DomainState][] = [
  ['d', DomainState.DOMAIN_STATE_DYING],
  ['c', DomainState.DOMAIN_STATE_CRASHED],
  ['s', DomainState.DOMAIN_STATE_SHUTDOWN],
  ['p', DomainState.DOMAIN_STATE_PAUSED],
  ['r', DomainState.DOMAIN_STATE_RUNNING],
  ['b', DomainState.DOMAIN_STATE_BLOCKED],
];

/** The letter that matters most: dying beats crashed beats shutdown beats paused beats running. */
export function stateOf(flags: string): DomainState {
  for (const [letter, state] of LETTERS) if (flags.includes(letter)) return state;
  // a domain with no flag set is runnable but not scheduled right now
  return DomainState.DOMAIN_STATE_BLOCKED;
}

export interface XlDomainDetail {
  domId: number;
  name: string;
  uuid: string;
  type: string;
  maxMemoryMb: number;
  targetMemoryMb: number;
  maxVcpus: number;
}

/** `xl list -l`: a JSON array of { domid, config: { c_info, b_info } }. */
export function parseXlListLong(json: string): XlDomainDetail[] {
  const parsed = JSON.parse(json || '[]') as {
    domid: number;
    config?: { c_info?: Record<string, unknown>; b_info?: Record<string, unknown> };
  }[];
  return parsed.map((d) => {
    const c = d.config?.c_info ?? {};
    const b = d.config?.b_info ?? {};
    return {
      domId: d.domid,
      name: String(c['name'] ?? ''),
      uuid: String(c['uuid'] ?? ''),
      type: String(c['type'] ?? ''),
      maxMemoryMb: Math.round(Number(b['max_memkb'] ?? 0) / 1024),
      targetMemoryMb: Math.round(Number(b['target_memkb'] ?? 0) / 1024),
      maxVcpus: Number(b['max_vcpus'] ?? 0),
    };
  });
}

/**
 * The paths of the disks (`pdev_path`: files, block devices, the config drive's ISO) of the
 * domains with this uuid in `xl list -l`'s JSON, each once.
 */
export function diskPathsOf(json: string, uuid: string): string[] {
  const parsed = JSON.parse(json || '[]') as {
    config?: { c_info?: { uuid?: unknown }; disks?: { pdev_path?: unknown }[] };
  }[];
  const paths = parsed
    .filter((d) => d.config?.c_info?.uuid === uuid)
    .flatMap((d) => d.config?.disks ?? [])
    .map((disk) => disk.pdev_path)
    .filter((p): p is string => typeof p === 'string' && p.length > 0);
  return [...new Set(paths)];
}
