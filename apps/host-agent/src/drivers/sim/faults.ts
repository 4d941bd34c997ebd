import { randomUUID } from 'node:crypto';
import type { FaultKind } from '@xenplane/proto';

export interface Fault {
  id: string;
  kind: FaultKind;
  vmId?: string;
  /** fires this many more times (undefined: until cleared) */
  remaining?: number;
  delayMs: number;
  until?: number;
}

/** Faults injected into a simulated host (test controls or SIM_FAULTS). */
export class FaultBook {
  private faults: Fault[] = [];

  add(f: { kind: FaultKind; vmId?: string; count?: number; delayMs?: number; durationMs?: number }): string {
    const fault: Fault = {
      id: randomUUID(),
      kind: f.kind,
      ...(f.vmId ? { vmId: f.vmId } : {}),
      ...(f.count ? { remaining: f.count } : {}),
      delayMs: f.delayMs ?? 0,
      ...(f.durationMs ? { until: Date.now() + f.durationMs } : {}),
    };
    this.faults.push(fault);
    return fault.id;
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  /** Whether a fault of this kind applies now (to this VM); spends one of its firings. */
  take(kind: FaultKind, vmId?: string): Fault | undefined {
    this.expire();
    const f = this.faults.find((x) => x.kind === kind && (!x.vmId || x.vmId === vmId));
    if (!f) return undefined;
    if (f.remaining !== undefined && --f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    return f;
  }

  /** Whether a lasting condition (dead, cut off, slow) holds, without spending it. */
  active(kind: FaultKind): Fault | undefined {
    this.expire();
    return this.faults.find((x) => x.kind === kind);
  }

  private expire(): void {
    const now = Date.now();
    this.faults = this.faults.filter((f) => f.until === undefined || f.until > now);
  }
}
