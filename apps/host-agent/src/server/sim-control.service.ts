import { FaultKind, type SimControlServer } from '@xenplane/proto';
import type { SimDriver } from '../drivers/sim/sim-driver';
import { unary } from './call-guard';

/** Test-only control of a simulated host: faults and the record of every domain's life. */
export function simControlService(sim: SimDriver, onDeath: () => void): SimControlServer {
  const opts = (method: string) => ({ method, allowed: ['control-plane'] as const });
  return {
    injectFault: unary(opts('InjectFault'), async (req) => {
      const faultId = sim.faults.add({
        kind: req.kind,
        ...(req.vmId ? { vmId: req.vmId } : {}),
        count: req.count,
        delayMs: req.delayMs,
        durationMs: req.durationMs,
      });
      if (req.kind === FaultKind.FAULT_KIND_HOST_DEAD) onDeath();
      return { faultId };
    }),
    clearFaults: unary(opts('ClearFaults'), async () => ({ cleared: sim.faults.clear() })),
    getHistory: unary(opts('GetHistory'), async (req) => ({ lives: sim.history(req.vmId || undefined) })),
  };
}
