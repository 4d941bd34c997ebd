import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DomainLife, DomainState, GuestType } from '@xenplane/proto';

/** A simulated domain as it survives an agent restart (the hypervisor outlives its agent). */
export interface PersistedDomain {
  vmId: string;
  domId: number;
  state: DomainState;
  guestType: GuestType;
  memoryMb: number;
  maxMemoryMb: number;
  vcpus: number;
  maxVcpus: number;
  epoch: number;
  startedAt: string;
  /** DomainSpec.toJSON's form (a journal written before it held the spec as is: fromJSON reads both) */
  spec: unknown;
  /** false while `xl create` is still building it */
  built: boolean;
}

export interface SimState {
  nextDomId: number;
  domains: PersistedDomain[];
  lives: DomainLife[];
}

type Entry =
  | { put: PersistedDomain; life?: DomainLife }
  | { del: string; life: DomainLife }
  | { life: DomainLife }
  | { next: number };

const MAX_LIVES = 50_000;

/**
 * An append-only journal of the simulated hypervisor's changes, one JSON line each, replayed
 * and compacted at start. A SIGKILLed agent comes back to the domains Xen would still run.
 */
export class SimJournal {
  private readonly watchdogFile: string;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.watchdogFile = `${file}.watchdog`;
  }

  /** The agent is alive: it kicks the host's watchdog, which resets the host timeoutMs after the last kick (0: disarmed). */
  kickWatchdog(timeoutMs: number, at = Date.now()): void {
    writeFileSync(this.watchdogFile, JSON.stringify({ at, timeoutMs }));
  }

  /** The last kick, as it was written (none: never armed). */
  lastKick(): { at: number; timeoutMs: number } | undefined {
    if (!existsSync(this.watchdogFile)) return undefined;
    try {
      return JSON.parse(readFileSync(this.watchdogFile, 'utf8')) as { at: number; timeoutMs: number };
    } catch {
      return undefined; // torn by a kill mid-write: as if never armed
    }
  }

  load(): SimState {
    const state: SimState = { nextDomId: 1, domains: [], lives: [] };
    if (!existsSync(this.file)) return state;
    const domains = new Map<string, PersistedDomain>();
    const lives = new Map<string, DomainLife>();
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      let e: Entry;
      try {
        e = JSON.parse(line) as Entry;
      } catch {
        continue; // a torn last line from a kill mid-write
      }
      if ('next' in e) {
        state.nextDomId = Math.max(state.nextDomId, e.next);
        continue;
      }
      if ('put' in e) {
        domains.set(e.put.vmId, e.put);
        state.nextDomId = Math.max(state.nextDomId, e.put.domId + 1);
      } else if ('del' in e) {
        domains.delete(e.del);
      }
      if ('life' in e && e.life) lives.set(`${e.life.vmId}/${e.life.domId}`, revive(e.life));
    }
    state.domains = [...domains.values()];
    state.lives = [...lives.values()].slice(-MAX_LIVES);
    for (const l of state.lives) state.nextDomId = Math.max(state.nextDomId, l.domId + 1);
    return state;
  }

  put(d: PersistedDomain, life?: DomainLife): void {
    this.append(life ? { put: d, life } : { put: d });
  }

  del(vmId: string, life: DomainLife): void {
    this.append({ del: vmId, life });
  }

  compact(state: SimState): void {
    const tmp = `${this.file}.tmp`;
    const lines = [
      ...state.lives.map((life) => JSON.stringify({ life })),
      ...state.domains.map((put) => JSON.stringify({ put })),
    ];
    // domain ids only grow, even when no domain or life remembers the last one
    lines.push(JSON.stringify({ next: state.nextDomId }));
    writeFileSync(tmp, lines.join('\n') + '\n');
    renameSync(tmp, this.file);
  }

  private append(e: Entry): void {
    appendFileSync(this.file, JSON.stringify(e) + '\n');
  }
}

/** JSON keeps dates as strings; the protocol wants Dates. */
function revive(l: DomainLife): DomainLife {
  return {
    ...l,
    createdAt: l.createdAt ? new Date(l.createdAt) : undefined,
    endedAt: l.endedAt ? new Date(l.endedAt) : undefined,
  };
}
