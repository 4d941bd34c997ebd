import { hostname } from 'node:os';
import { boolVar, intVar, loadConfig, metricsEnv, tracingEnv } from '@xenplane/config';
import { z } from 'zod';
import { DEFAULT_SIM } from './drivers/sim/sim-config';
import { SHARED_DEVICE } from './drivers/spec-validation';

const list = (def: string[]) =>
  z
    .string()
    .default(def.join(','))
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );

export const agentEnv = tracingEnv.merge(metricsEnv).extend({
  AGENT_DRIVER: z.enum(['sim', 'xl']).default('sim'),
  AGENT_LISTEN_HOST: z.string().default('127.0.0.1'),
  AGENT_PORT: intVar(0, 0, 65535),
  // host:port the control plane dials (single host); needed when the port is forwarded
  AGENT_ADVERTISE_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/)
    .optional(),
  // host:port its pool peers dial (probes, migration streams), when they reach it by another
  // path than the control plane (a pool network); single host only. Default: the advertised address
  AGENT_PEER_ADVERTISE_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/)
    .optional(),
  // fleet mode: the host part every simulated host advertises (each has its own port)
  AGENT_ADVERTISE_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/)
    .optional(),
  AGENT_STATE_DIR: z.string().default('/var/lib/xenplane-agent'),
  // the block devices (LUNs) this host maps for shared storage pools, comma-separated paths under
  // /dev (docs/STORAGE.md); none by default: a disk on any other device is refused, so a control
  // plane (mistaken or not) cannot make the agent zero an extent of dom0's own disk
  AGENT_SHARED_DEVICES: list([]).refine((l) => l.every((d) => SHARED_DEVICE.test(d) && !d.split('/').includes('..')), {
    message: 'must be device paths under /dev, comma-separated',
  }),
  AGENT_CONTROL_PLANE_URL: z.string().url().optional(),
  AGENT_ENROLLMENT_TOKEN: z.string().optional(),
  AGENT_ENROLLMENT_TOKENS: z.string().optional(),
  AGENT_NAME: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,50}$/)
    .default(
      hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 50) || 'host',
    ),
  AGENT_FLEET_SIZE: intVar(1, 1, 5000),
  // serve the test-only SimControl service (sim driver only)
  AGENT_TEST_CONTROLS: boolVar(false),
  AGENT_SHUTDOWN_GRACE_MS: intVar(5_000, 0, 600_000),
  // self-fencing (docs/HA.md): off only to see what the control plane does without it (a test of
  // stale copies destroyed by epoch); never in production, where it is what keeps a VM from
  // running twice while its host is cut off
  AGENT_SELF_FENCE: boolVar(true),
  // a file rewritten every 5 s once the hosts serve: the agent's health for a container engine
  // (scripts/healthcheck.mjs; the Dockerfile sets it). Unset (as under systemd): none written
  LIVENESS_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SIM_CPUS: intVar(DEFAULT_SIM.nrCpus, 1, 4096),
  SIM_MEMORY_MB: intVar(DEFAULT_SIM.totalMemoryMb, 1024, 64 * 1024 * 1024),
  SIM_DOM0_MEMORY_MB: intVar(DEFAULT_SIM.dom0MemoryMb, 256, 1024 * 1024),
  SIM_DOM0_VCPUS: intVar(DEFAULT_SIM.dom0Vcpus, 1, 256),
  SIM_DISK_GB: intVar(DEFAULT_SIM.totalDiskGb, 1, 1_000_000),
  SIM_BOOT_MS: intVar(DEFAULT_SIM.bootMs, 0, 600_000),
  SIM_SHUTDOWN_MS: intVar(DEFAULT_SIM.shutdownMs, 0, 600_000),
  SIM_CPU_VENDOR: z.string().default(DEFAULT_SIM.cpuVendor),
  SIM_CPU_FEATURES: list(DEFAULT_SIM.cpuFeatures),
  SIM_HVM: boolVar(DEFAULT_SIM.hvm),
  SIM_HAP: boolVar(DEFAULT_SIM.hap),
  SIM_MIGRATION_MBPS: intVar(DEFAULT_SIM.migrationMbps, 1, 100_000),
  XL_BINARY: z.string().default('xl'),
  XL_WORK_DIR: z.string().default('/var/lib/xenplane-agent/xl'),
  XL_LOG_DIR: z.string().default('/var/log/xen'),
  XL_BRIDGE: z.string().default('xenbr0'),
});

export type AgentConfig = z.infer<typeof agentEnv>;

export function loadAgentConfig(env?: Record<string, string | undefined>): AgentConfig {
  const c = loadConfig(agentEnv, env);
  if (c.AGENT_DRIVER === 'xl' && c.AGENT_FLEET_SIZE > 1) throw new Error('fleet mode is for simulated hosts only');
  if (c.AGENT_DRIVER === 'xl' && c.AGENT_TEST_CONTROLS) throw new Error('test controls are for simulated hosts only');
  return c;
}
