import { type Disposition, dispositionOnHostDeath, type HaPriority } from '@xenplane/domain';
import type { Db } from './client';
import { eventsRecorded, hostStateRows, literal, operationStatusRows, poolEventRows, vmStateRows } from './event-rows';
import { type HostState, Prisma, type Vm, type VmState } from './generated/prisma/client';
import { FREED_USAGE_RETURNED, hasRoomFor, usageGrownBy } from './host-usage';

const sql = Prisma.sql;

/** A VM of a host that is being declared dead, and what becomes of it (libs/domain dispositionOnHostDeath). */
export interface FailoverPlan {
  vmId: string;
  /** the state the decision was made on: a VM that moved meanwhile is left to whoever moved it */
  state: VmState;
  disposition: Exclude<Disposition, 'leave'>;
  priority: HaPriority;
}

/** What a host runs, as the decision on its death needs it. */
export type FailoverVm = Pick<Vm, 'id' | 'projectId' | 'poolId' | 'state' | 'haPriority'>;

export async function vmsOfHost(db: Db, hostId: string): Promise<FailoverVm[]> {
  return db.vm.findMany({
    where: { hostId, state: { notIn: ['deleted'] } },
    select: { id: true, projectId: true, poolId: true, state: true, haPriority: true },
  });
}

export interface DeclaredDead {
  /** false when the host was not in one of the expected states (someone else declared it, or it came back) */
  declared: boolean;
  /** the ha_restart operations queued, to wake their workers */
  restarts: { id: string; vmId: string; priority: Exclude<HaPriority, 'none'> }[];
  /** the VMs stopped for good (not protected, or being stopped) */
  stopped: string[];
}

/**
 * A host declared dead, in ONE statement, only if it is still in one of `from`: the host
 * `down`; each planned VM still in the state it was planned on is `recovering` (to restart) or
 * `stopped` with reason host_lost, keeping its claim on the dead host (it can come back there);
 * any claim it held elsewhere (a migration's target) is released, its epoch raised past every
 * claim it held, its open operations (a stop retrying the silent host, a migration away from
 * it) ended `cancelled` with host_lost at once, not left to their retries; one queued
 * `ha_restart` operation per VM to restart; every event in that order. Two monitors, or a monitor and an operator, racing to
 * declare the same host: one statement wins, the other changes nothing.
 */
export async function declareHostDead(
  db: Db,
  d: {
    hostId: string;
    from: readonly HostState[];
    plan: readonly FailoverPlan[];
    reason: string;
    requestedBy?: string | null;
    correlationId?: string | null;
  },
): Promise<DeclaredDead> {
  const message = d.reason.slice(0, 2000);
  const rows = await db.$queryRaw<DeclaredDead[]>`
    WITH dead AS (
      UPDATE hosts SET state = 'down', state_changed_at = now(), updated_at = now()
      WHERE id = ${d.hostId}::uuid AND state::text = ANY(${[...d.from]}::text[])
      RETURNING id, name, pool_id
    ), plan AS (
      SELECT * FROM unnest(${d.plan.map((p) => p.vmId)}::uuid[], ${d.plan.map((p) => p.state)}::text[],
        ${d.plan.map((p) => p.disposition)}::text[], ${d.plan.map((p) => p.priority)}::text[]) AS p(vm_id, state, disposition, priority)
    ), moved AS (
      UPDATE vms v SET
        state = (CASE WHEN p.disposition = 'restart' THEN 'recovering' ELSE 'stopped' END)::"VmState",
        power_state = 'none', dom_id = NULL, error_code = 'host_lost', error_message = ${message},
        epoch = GREATEST(v.epoch, coalesce((SELECT max(a.epoch) FROM allocations a WHERE a.vm_id = v.id), 0)),
        state_changed_at = now(), updated_at = now()
      FROM plan p, dead
      WHERE v.id = ANY(${d.plan.map((p) => p.vmId)}::uuid[]) AND v.id = p.vm_id AND v.host_id = dead.id AND v.state::text = p.state
      RETURNING v.id, v.project_id, v.pool_id, v.state, p.priority, p.state AS from_state
    ), freed AS (
      DELETE FROM allocations a USING moved m, dead WHERE a.vm_id = m.id AND a.host_id <> dead.id
      RETURNING a.host_id, a.vcpus, a.memory_mb, a.disk_gb
    ), released AS (${FREED_USAGE_RETURNED}), ended AS (
      UPDATE operations SET status = 'cancelled', cancel_requested = true, finished_at = now(), error_code = 'host_lost',
        error_message = ${message}, updated_at = now()
      WHERE vm_id IN (SELECT id FROM moved) AND status IN ('queued', 'running')
      RETURNING id, project_id, kind, progress, vm_id
    ), restarts AS (
      INSERT INTO operations (id, kind, project_id, vm_id, params, correlation_id, requested_by, updated_at)
      SELECT gen_random_uuid(), 'ha_restart', m.project_id, m.id,
        jsonb_build_object('priority', m.priority, 'deadHostId', dead.id::text, 'poolId', coalesce(m.pool_id, dead.pool_id)::text, 'fromState', m.from_state),
        ${d.correlationId ?? null}, ${d.requestedBy ?? null}::uuid, now()
      FROM moved m, dead WHERE m.state = 'recovering'
      RETURNING id, project_id, vm_id, params
    ), recorded AS (${eventsRecorded([
      hostStateRows({
        from: sql`dead`,
        hostId: sql`dead.id`,
        state: literal('down'),
        name: sql`dead.name`,
        extra: { reason: sql`${message}::text` },
      }),
      vmStateRows({
        from: sql`moved m, dead`,
        projectId: sql`m.project_id`,
        vmId: sql`m.id`,
        state: sql`m.state::text`,
        hostId: sql`dead.id::text`,
        extra: { reason: literal('host_lost') },
      }),
      operationStatusRows({
        from: sql`ended x`,
        projectId: sql`x.project_id`,
        opId: sql`x.id`,
        kind: sql`x.kind::text`,
        status: literal('cancelled'),
        progress: sql`x.progress`,
        vmId: sql`x.vm_id::text`,
        errorCode: literal('host_lost'),
      }),
      operationStatusRows({
        from: sql`restarts r`,
        projectId: sql`r.project_id`,
        opId: sql`r.id`,
        kind: literal('ha_restart'),
        status: literal('queued'),
        progress: sql`0`,
        vmId: sql`r.vm_id::text`,
        errorCode: sql`NULL`,
      }),
    ])})
    SELECT EXISTS (SELECT 1 FROM dead) AS declared,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'vmId', r.vm_id, 'priority', r.params->>'priority')), '[]'::jsonb) FROM restarts r) AS restarts,
      (SELECT coalesce(array_agg(m.id::text), '{}') FROM moved m WHERE m.state = 'stopped') AS stopped`;
  return rows[0]!;
}

export interface RestartClaim {
  vmId: string;
  /** the host whose claim the VM holds now (the dead one), or null */
  fromHostId: string | null;
  hostId: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  epoch: number;
  opId: string;
  step: string;
  progress: number;
}

export type RestartClaimOutcome =
  { result: 'claimed'; host: { id: string; name: string; address: string } } | { result: 'host_full' | 'vm_gone' };

/**
 * A restart's claim on its new host, in ONE conditional statement: the host's usage grows only
 * if it is up, live and has room (as any claim); the VM, still `recovering` on the host it was
 * planned from, moves its claim there (the dead host's allocation deleted and its usage given
 * back), takes the new epoch, and stays `recovering` until its domain runs; the operation records
 * the host and its step.
 */
export async function claimRestart(db: Db | Prisma.TransactionClient, c: RestartClaim): Promise<RestartClaimOutcome> {
  const rows = await db.$queryRaw<
    { id: string | null; name: string | null; address: string | null; waiting: boolean }[]
  >`
    WITH vm AS (
      SELECT id, project_id FROM vms
      WHERE id = ${c.vmId}::uuid AND state = 'recovering' AND host_id IS NOT DISTINCT FROM ${c.fromHostId}::uuid
      FOR UPDATE
    ), claimed AS (
      UPDATE hosts h SET ${usageGrownBy({ ...c, instances: 1 })}
      FROM pools p
      WHERE h.id = ${c.hostId}::uuid AND h.id IS DISTINCT FROM ${c.fromHostId}::uuid AND p.id = h.pool_id AND ${hasRoomFor(c)}
        AND EXISTS (SELECT 1 FROM vm)
      RETURNING h.id, h.pool_id, h.name, h.address
    ), freed AS (
      DELETE FROM allocations WHERE vm_id = ${c.vmId}::uuid AND EXISTS (SELECT 1 FROM claimed)
      RETURNING host_id, vcpus, memory_mb, disk_gb
    ), released AS (${FREED_USAGE_RETURNED}), allocated AS (
      INSERT INTO allocations (id, vm_id, host_id, vcpus, memory_mb, disk_gb, epoch)
      SELECT gen_random_uuid(), ${c.vmId}::uuid, claimed.id, ${c.vcpus}, ${c.memoryMb}, ${c.diskGb}, ${c.epoch} FROM claimed
    ), moved AS (
      UPDATE vms v SET host_id = claimed.id, pool_id = claimed.pool_id, epoch = ${c.epoch}, updated_at = now()
      FROM claimed WHERE v.id = ${c.vmId}::uuid
      RETURNING v.id, v.project_id
    ), stepped AS (
      UPDATE operations SET host_id = ${c.hostId}::uuid, step = ${c.step}, progress = ${c.progress}, updated_at = now()
      WHERE id = ${c.opId}::uuid AND status = 'running' AND EXISTS (SELECT 1 FROM moved)
    ), recorded AS (${eventsRecorded([
      vmStateRows({
        from: sql`moved m`,
        projectId: sql`m.project_id`,
        vmId: sql`m.id`,
        state: literal('recovering'),
        hostId: sql`${c.hostId}::text`,
      }),
    ])})
    SELECT claimed.id::text AS id, claimed.name, claimed.address, EXISTS (SELECT 1 FROM vm) AS waiting
    FROM (SELECT 1) one LEFT JOIN claimed ON true`;
  const row = rows[0]!;
  if (!row.waiting) return { result: 'vm_gone' };
  return row.id
    ? { result: 'claimed', host: { id: row.id, name: row.name!, address: row.address! } }
    : { result: 'host_full' };
}

/**
 * Gives back the claim a `recovering` VM still holds on its old host (the host came back
 * without it), so its restart may place it anywhere, that host included. One statement.
 */
export async function releaseRecoveringClaim(db: Db, vmId: string, hostId: string): Promise<void> {
  await db.$executeRaw`
    WITH vm AS (
      UPDATE vms SET host_id = NULL, updated_at = now()
      WHERE id = ${vmId}::uuid AND state = 'recovering' AND host_id = ${hostId}::uuid
      RETURNING id
    ), freed AS (
      DELETE FROM allocations WHERE vm_id IN (SELECT id FROM vm) AND host_id = ${hostId}::uuid
      RETURNING host_id, vcpus, memory_mb, disk_gb
    )
    ${FREED_USAGE_RETURNED}`;
}

export interface AdoptedVm {
  vmId: string;
  projectId: string;
  epoch: number;
  domId: number;
  powerState: 'running' | 'paused';
}

/**
 * VMs a returning host still runs, that were not restarted elsewhere (not protected, or not yet
 * placed): each moves back to `running` there, in ONE statement, only if it still holds its claim
 * on that host under the same epoch as the domain; a restart still waiting for it is cancelled.
 * Answers the VMs adopted.
 */
export async function adoptVms(db: Db, hostId: string, vms: readonly AdoptedVm[]): Promise<string[]> {
  if (!vms.length) return [];
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH found AS (
      SELECT * FROM unnest(${vms.map((v) => v.vmId)}::uuid[], ${vms.map((v) => v.epoch)}::int[], ${vms.map((v) => v.domId)}::int[],
        ${vms.map((v) => v.powerState)}::text[]) AS f(vm_id, epoch, dom_id, power_state)
    ), moved AS (
      UPDATE vms v SET state = 'running', dom_id = f.dom_id, power_state = f.power_state::"PowerState", error_code = NULL, error_message = NULL,
        state_changed_at = now(), updated_at = now()
      FROM found f
      WHERE v.id = ANY(${vms.map((v) => v.vmId)}::uuid[]) AND v.id = f.vm_id AND v.host_id = ${hostId}::uuid AND v.epoch = f.epoch
        AND (v.state = 'recovering' OR (v.state = 'stopped' AND v.error_code = 'host_lost'))
        AND EXISTS (SELECT 1 FROM allocations a WHERE a.vm_id = v.id AND a.host_id = ${hostId}::uuid AND a.epoch = f.epoch)
      RETURNING v.id, v.project_id
    ), cancelled AS (
      UPDATE operations o SET status = 'cancelled', finished_at = now(), error_code = 'adopted',
        error_message = 'its host came back with the VM still running', updated_at = now()
      WHERE o.vm_id IN (SELECT id FROM moved) AND o.kind = 'ha_restart' AND o.status IN ('queued', 'running')
      RETURNING o.id, o.project_id, o.vm_id, o.progress
    ), recorded AS (${eventsRecorded([
      vmStateRows({
        from: sql`moved m`,
        projectId: sql`m.project_id`,
        vmId: sql`m.id`,
        state: literal('running'),
        hostId: sql`${hostId}::text`,
        extra: { reason: literal('adopted') },
      }),
      operationStatusRows({
        from: sql`cancelled c`,
        projectId: sql`c.project_id`,
        opId: sql`c.id`,
        kind: literal('ha_restart'),
        status: literal('cancelled'),
        progress: sql`c.progress`,
        vmId: sql`c.vm_id::text`,
        errorCode: literal('adopted'),
      }),
    ])})
    SELECT id::text AS id FROM moved`;
  return rows.map((r) => r.id);
}

/**
 * Reads a host's VMs, decides each one's fate (libs/domain dispositionOnHostDeath) and declares
 * the host dead with that plan (declareHostDead): what the host monitor does for a host found
 * dead, and an operator's declare-dead. A VM that moves between the read and the statement is
 * left to whoever moved it.
 */
export async function failOver(
  db: Db,
  d: {
    hostId: string;
    from: readonly HostState[];
    reason: string;
    requestedBy?: string | null;
    correlationId?: string | null;
  },
): Promise<DeclaredDead> {
  const plan: FailoverPlan[] = [];
  for (const vm of await vmsOfHost(db, d.hostId)) {
    const disposition = dispositionOnHostDeath(vm);
    if (disposition !== 'leave') plan.push({ vmId: vm.id, state: vm.state, disposition, priority: vm.haPriority });
  }
  return declareHostDead(db, { ...d, plan });
}

/**
 * Marks a pool as cut off from the control plane (more than half of its hosts silent at once),
 * once per episode, with an operator event `pool.partitioned`. True when this call began it.
 */
export async function markPoolPartitioned(
  db: Db,
  poolId: string,
  silence: { silent: number; of: number },
): Promise<boolean> {
  const n = await db.$executeRaw`
    WITH marked AS (
      UPDATE pools SET partitioned_since = now(), updated_at = now() WHERE id = ${poolId}::uuid AND partitioned_since IS NULL RETURNING id, name
    )
    ${eventsRecorded([
      poolEventRows({
        from: sql`marked`,
        poolId: sql`id`,
        type: 'pool.partitioned',
        data: { name: sql`name`, silentHosts: sql`${silence.silent}::int`, hosts: sql`${silence.of}::int` },
      }),
    ])}`;
  return n === 1;
}

/** Ends a pool's partition episode (its hosts answer again), with an event `pool.partition_healed`. */
export async function clearPoolPartition(db: Db, poolId: string): Promise<boolean> {
  const n = await db.$executeRaw`
    WITH cleared AS (
      UPDATE pools SET partitioned_since = NULL, updated_at = now() WHERE id = ${poolId}::uuid AND partitioned_since IS NOT NULL RETURNING id, name
    )
    ${eventsRecorded([poolEventRows({ from: sql`cleared`, poolId: sql`id`, type: 'pool.partition_healed', data: { name: sql`name` } })])}`;
  return n === 1;
}

/**
 * How many HA restarts of a pool with one of these priorities still wait to be placed (queued,
 * or placing; not those waiting for capacity): a restart waits its turn behind them.
 */
export async function restartsAhead(db: Db, poolId: string, priorities: readonly string[]): Promise<number> {
  if (!priorities.length) return 0;
  const [row] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM operations
    WHERE kind = 'ha_restart' AND status IN ('queued', 'running') AND params->>'poolId' = ${poolId}
      AND params->>'priority' = ANY(${[...priorities]}::text[]) AND (step IS NULL OR step = 'placing')`;
  return Number(row!.n);
}
