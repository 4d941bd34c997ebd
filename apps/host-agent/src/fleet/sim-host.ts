import { join } from 'node:path';
import type { AgentConfig } from '../config';
import { SimDriver } from '../drivers/sim/sim-driver';
import { SimJournal } from '../drivers/sim/sim-journal';
import type { SimConfig } from '../drivers/sim/sim-config';
import type { HostIdentity } from '../enrollment/enrollment';
import { AgentHost } from '../host/agent-host';

/** A simulated Xen host (SIM_* settings), its state journalled in its state directory. */
export function createSimHost(
  c: AgentConfig,
  identity: HostIdentity,
  name: string,
  stateDir: string,
  port: number,
  peerAddress: string,
): AgentHost {
  const config: SimConfig = {
    hostname: name,
    nrCpus: c.SIM_CPUS,
    totalMemoryMb: c.SIM_MEMORY_MB,
    dom0MemoryMb: c.SIM_DOM0_MEMORY_MB,
    dom0Vcpus: c.SIM_DOM0_VCPUS,
    xenReservedMb: 128,
    totalDiskGb: c.SIM_DISK_GB,
    bootMs: c.SIM_BOOT_MS,
    shutdownMs: c.SIM_SHUTDOWN_MS,
    cpuVendor: c.SIM_CPU_VENDOR,
    cpuFeatures: c.SIM_CPU_FEATURES,
    hvm: c.SIM_HVM,
    hap: c.SIM_HAP,
    xenVersion: '4.17.5',
    migrationMbps: c.SIM_MIGRATION_MBPS,
    migrationDowntimeMs: 40,
    sharedDevices: c.AGENT_SHARED_DEVICES,
  };
  const sim = new SimDriver(config, join(stateDir, 'storage'), new SimJournal(join(stateDir, 'sim-journal.jsonl')));
  return new AgentHost({
    identity,
    stateDir,
    peerAddress,
    driver: sim,
    sim,
    listenHost: c.AGENT_LISTEN_HOST,
    port,
    testControls: c.AGENT_TEST_CONTROLS,
    selfFence: c.AGENT_SELF_FENCE,
  });
}
