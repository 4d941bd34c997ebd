import { join } from 'node:path';
import { getLogger } from '@xenplane/observability';
import type { AgentConfig } from '../config';
import { SimDriver } from '../drivers/sim/sim-driver';
import { SimJournal } from '../drivers/sim/sim-journal';
import type { SimConfig } from '../drivers/sim/sim-config';
import { ensureEnrolled } from '../enrollment/enrollment';
import { AgentHost } from '../host/agent-host';
import { stablePort } from '../host/ports';
import { createXlHost } from '../drivers/xl/xl-host';

const log = getLogger('fleet');

/**
 * The hosts this process serves: one real host (xl), or in fleet mode many simulated hosts,
 * each with its own port, state directory, key and certificate, as if they were machines.
 */
export async function startHosts(c: AgentConfig): Promise<AgentHost[]> {
  const tokens = (c.AGENT_ENROLLMENT_TOKENS ?? c.AGENT_ENROLLMENT_TOKEN ?? '').split(',').filter(Boolean);
  const hosts: AgentHost[] = [];
  const fleet = c.AGENT_FLEET_SIZE > 1;
  for (let i = 0; i < c.AGENT_FLEET_SIZE; i++) {
    const name = fleet ? `${c.AGENT_NAME}-${i + 1}` : c.AGENT_NAME;
    const stateDir = fleet ? join(c.AGENT_STATE_DIR, name) : c.AGENT_STATE_DIR;
    const port = await stablePort(stateDir, fleet ? 0 : c.AGENT_PORT, c.AGENT_LISTEN_HOST);
    const advertised = c.AGENT_ADVERTISE_ADDRESS && !fleet ? c.AGENT_ADVERTISE_ADDRESS : `${c.AGENT_ADVERTISE_HOST ?? c.AGENT_LISTEN_HOST}:${port}`;
    const identity = await ensureEnrolled({
      stateDir,
      name,
      address: advertised,
      ...(c.AGENT_CONTROL_PLANE_URL ? { controlPlaneUrl: c.AGENT_CONTROL_PLANE_URL } : {}),
      ...(tokens[i] ? { token: tokens[i] } : {}),
    });
    const host =
      c.AGENT_DRIVER === 'xl'
        ? await createXlHost(c, identity, port)
        : simHost(c, identity, name, stateDir, port);
    await host.start();
    hosts.push(host);
  }
  log.info({ hosts: hosts.length, driver: c.AGENT_DRIVER }, 'all hosts serving');
  return hosts;
}

function simHost(c: AgentConfig, identity: Awaited<ReturnType<typeof ensureEnrolled>>, name: string, stateDir: string, port: number): AgentHost {
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
  };
  const sim = new SimDriver(config, new SimJournal(join(stateDir, 'sim-journal.jsonl')));
  return new AgentHost({ identity, driver: sim, sim, listenHost: c.AGENT_LISTEN_HOST, port, testControls: c.AGENT_TEST_CONTROLS });
}
