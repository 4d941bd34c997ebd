import type { PlacementFilter } from '../filter';

/**
 * Live migration only works between CPUs of one vendor, to a CPU with every feature the
 * guest booted with. In a pool that requires compatibility, a host of another vendor than
 * the pool's (the vendor most of its hosts have) takes no VM; a migrating VM needs a host
 * whose features include all of its own.
 */
export const cpuCompatibilityFilter: PlacementFilter = {
  name: 'cpu_compatibility',
  reason: "host CPU differs from the pool's (vendor) or lacks features the VM needs",
  passes: (host, ctx) => {
    const required = ctx.request.requiredCpu;
    if (required) {
      if (host.cpuVendor !== required.vendor) return false;
      const have = new Set(host.cpuFeatures);
      if (!required.features.every((f) => have.has(f))) return false;
    }
    if (!ctx.pool.requireCpuCompatibility) return true;
    return ctx.stats.baselineVendor === undefined || host.cpuVendor === ctx.stats.baselineVendor;
  },
};
