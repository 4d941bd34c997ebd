import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  createTestHost,
  PATIENT_LIVENESS,
  seedTestCatalog,
  type TestDatabase,
} from '@xenplane/testing';
import { claimHost } from './claims';
import {
  adoptVms,
  claimRestart,
  clearPoolPartition,
  declareHostDead,
  failOver,
  type FailoverPlan,
  markPoolPartitioned,
  releaseRecoveringClaim,
  type RestartClaim,
  restartsAhead,
} from './failover';
import type { HaPriority, HostState, OperationKind, OperationStatus, VmState } from './generated/prisma/client';
import { recordHeartbeats } from './hosts';
import { claimMigrationTarget } from './migration';

/** What the HA statements leave behind, and what they must leave alone. */
describe('failover statements (real Postgres)', () => {
  let t: TestDatabase;
  let poolId: string;
  let projectId: string;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    t = await createTestDatabase('failover');
    ({ poolId, projectId, flavorId, imageId } = await seedTestCatalog(t.db));
  });
  afterAll(() => t.drop());

  /** the states the host monitor declares a host dead from */
  const DECLARABLE: HostState[] = ['up', 'suspect', 'unreachable'];
  const REASON = 'host declared dead: no heartbeat for 12 s';
  const ONE = [1, 1024, 1, 1];
  const NONE = [0, 0, 0, 0];
  const times = (n: number) => [n, n * 1024, n, n];

  const host = (memoryMb = 8192, inPool = poolId) => createTestHost(t.db, inPool, memoryMb);
  const usage = async (id: string) => {
    const h = await t.db.host.findUniqueOrThrow({ where: { id } });
    return [h.usedVcpus, h.usedMemoryMb, h.usedDiskGb, h.usedInstances];
  };
  const vmRow = (id: string) => t.db.vm.findUniqueOrThrow({ where: { id } });
  const opRow = (id: string) => t.db.operation.findUniqueOrThrow({ where: { id } });
  const lastEventId = async () => (await t.db.event.aggregate({ _max: { id: true } }))._max.id ?? 0n;
  const eventsAfter = (since: bigint) => t.db.event.findMany({ where: { id: { gt: since } }, orderBy: { id: 'asc' } });
  /** every row a statement could touch, to compare whole before and after */
  const everything = async () => ({
    pools: await t.db.pool.findMany({ orderBy: { id: 'asc' } }),
    hosts: await t.db.host.findMany({ orderBy: { id: 'asc' } }),
    vms: await t.db.vm.findMany({ orderBy: { id: 'asc' } }),
    allocations: await t.db.allocation.findMany({ orderBy: { id: 'asc' } }),
    operations: await t.db.operation.findMany({ orderBy: { id: 'asc' } }),
    events: await t.db.event.findMany({ orderBy: { id: 'asc' } }),
  });
  const restartOf = (vmId: string) => t.db.operation.findMany({ where: { vmId, kind: 'ha_restart' } });
  const byVm = <T extends { vmId: string | null }>(xs: T[]) =>
    [...xs].sort((a, b) => (a.vmId ?? '').localeCompare(b.vmId ?? ''));

  /** A VM claimed on `hostId` at epoch 1 (as a create places it), then in `state` with a domain. */
  async function placed(hostId: string, state: VmState, haPriority: HaPriority = 'none') {
    const v = await t.db.vm.create({
      data: {
        projectId,
        name: 'v',
        flavorId,
        imageId,
        guestType: 'pv',
        vcpus: 1,
        memoryMb: 1024,
        diskGb: 1,
        state: 'scheduling',
        haPriority,
      },
    });
    expect(await claimHost(t.db, { vmId: v.id, hostId, vcpus: 1, memoryMb: 1024, diskGb: 1, epoch: 1 })).toMatchObject({
      result: 'claimed',
    });
    return t.db.vm.update({
      where: { id: v.id },
      data: { state, domId: 7, powerState: state === 'building' ? 'none' : 'running' },
    });
  }
  const operation = (
    vmId: string,
    kind: OperationKind,
    status: OperationStatus = 'running',
    extra: { hostId?: string; step?: string } = {},
  ) => t.db.operation.create({ data: { kind, status, projectId, vmId, ...extra } });
  /** A VM `migrating` from `sourceId`, its migration holding a claim of epoch 2 on `targetId`. */
  async function migrating(sourceId: string, targetId: string, haPriority: HaPriority) {
    const vm = await placed(sourceId, 'migrating', haPriority);
    const op = await operation(vm.id, 'migrate', 'running', { hostId: sourceId });
    const claim = {
      vmId: vm.id,
      sourceHostId: sourceId,
      hostId: targetId,
      vcpus: 1,
      memoryMb: 1024,
      diskGb: 1,
      epoch: 2,
      opId: op.id,
      step: 'claimed',
      progress: 40,
    };
    expect(await claimMigrationTarget(t.db, claim)).toBe('claimed');
    return { vm, op };
  }

  describe('declareHostDead / failOver', () => {
    it('declares the host down and gives each of its VMs its fate, in one statement that a second declaration cannot repeat', async () => {
      const [dead, target, elsewhere] = [await host(), await host(), await host()];
      const prot = await placed(dead.id, 'running', 'high');
      const finishedCreate = await operation(prot.id, 'create', 'succeeded');
      const unprot = await placed(dead.id, 'running');
      const stopping = await placed(dead.id, 'stopping', 'medium');
      const stopOp = await operation(stopping.id, 'stop');
      const building = await placed(dead.id, 'building', 'high');
      const buildOp = await operation(building.id, 'create', 'running', { hostId: dead.id, step: 'building' });
      const deleting = await placed(dead.id, 'deleting', 'high');
      const deleteOp = await operation(deleting.id, 'delete');
      // two migrations away from the dead host, both holding a target claim on the same host
      const m1 = await migrating(dead.id, target.id, 'low');
      const m2 = await migrating(dead.id, target.id, 'none');
      const bystander = await placed(elsewhere.id, 'running', 'high');
      const bystanderOp = await operation(bystander.id, 'reboot');
      expect([await usage(dead.id), await usage(target.id), await usage(elsewhere.id)]).toEqual([
        times(7),
        times(2),
        ONE,
      ]);

      const before = await everything();
      const since = await lastEventId();
      const requestedBy = randomUUID();
      const result = await failOver(t.db, {
        hostId: dead.id,
        from: DECLARABLE,
        reason: REASON,
        requestedBy,
        correlationId: 'corr-declare',
      });

      // the host: down, and nothing else of it changed (its usage is the claims it keeps)
      const hostBefore = before.hosts.find((h) => h.id === dead.id)!;
      const hostAfter = await t.db.host.findUniqueOrThrow({ where: { id: dead.id } });
      expect(hostAfter).toEqual({
        ...hostBefore,
        state: 'down',
        stateChangedAt: expect.any(Date),
        updatedAt: expect.any(Date),
        generation: hostAfter.generation,
      });
      expect(hostAfter.stateChangedAt.getTime()).toBeGreaterThan(hostBefore.stateChangedAt.getTime());
      expect(await usage(dead.id)).toEqual(times(7));
      // the migrations' target host gets both target claims back, and is otherwise as it was
      expect(await usage(target.id)).toEqual(NONE);
      expect(await t.db.host.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({
        state: 'up',
        lastHeartbeatAt: target.lastHeartbeatAt,
      });
      expect(await usage(elsewhere.id)).toEqual(ONE);

      // the VMs' fates: protected and meant to run -> recovering; unprotected or being stopped -> stopped
      const vmBefore = (id: string) => before.vms.find((v) => v.id === id)!;
      const lost = (id: string, state: VmState, epoch = 1) => ({
        ...vmBefore(id),
        state,
        powerState: 'none',
        domId: null,
        errorCode: 'host_lost',
        errorMessage: REASON,
        epoch,
        stateChangedAt: expect.any(Date),
        updatedAt: expect.any(Date),
      });
      expect(await vmRow(prot.id)).toEqual(lost(prot.id, 'recovering'));
      expect(await vmRow(unprot.id)).toEqual(lost(unprot.id, 'stopped'));
      expect(await vmRow(stopping.id)).toEqual(lost(stopping.id, 'stopped'));
      // the epoch rises to the target claim's: the next placement's epoch is newer than every copy
      expect(await vmRow(m1.vm.id)).toEqual(lost(m1.vm.id, 'recovering', 2));
      expect(await vmRow(m2.vm.id)).toEqual(lost(m2.vm.id, 'stopped', 2));
      // left to their own operations, and the bystander elsewhere: untouched
      for (const v of [building, deleting, bystander]) expect(await vmRow(v.id)).toEqual(vmBefore(v.id));

      // claims: every claim on the dead host kept, the target claims gone, nothing else
      expect(await t.db.allocation.findMany({ orderBy: { id: 'asc' } })).toEqual(
        before.allocations.filter((a) => a.hostId !== target.id),
      );
      expect(
        await t.db.allocation.findMany({
          where: { vmId: { in: [m1.vm.id, m2.vm.id] } },
          select: { hostId: true, epoch: true },
        }),
      ).toEqual([
        { hostId: dead.id, epoch: 1 },
        { hostId: dead.id, epoch: 1 },
      ]);

      // operations: the open ones of the VMs that moved ended at once (cancelled, host_lost), the rest as they were
      const opsAfter = await t.db.operation.findMany({ orderBy: { id: 'asc' } });
      const told = [stopOp.id, m1.op.id, m2.op.id];
      for (const o of before.operations) {
        const after = opsAfter.find((a) => a.id === o.id);
        const ended = {
          ...o,
          status: 'cancelled',
          cancelRequested: true,
          finishedAt: expect.any(Date),
          errorCode: 'host_lost',
          errorMessage: REASON,
          updatedAt: expect.any(Date),
        };
        expect(after).toEqual(told.includes(o.id) ? ended : o);
      }
      for (const o of [finishedCreate, buildOp, deleteOp, bystanderOp])
        expect((await opRow(o.id)).cancelRequested).toBe(false);

      // exactly one queued ha_restart per VM to restart, none for the others
      const restarts = byVm(opsAfter.filter((o) => !before.operations.some((b) => b.id === o.id)));
      const restart = (vmId: string, priority: string, fromState: string) => ({
        kind: 'ha_restart',
        status: 'queued',
        progress: 0,
        projectId,
        vmId,
        hostId: null,
        step: null,
        attempts: 0,
        cancelRequested: false,
        params: { priority, deadHostId: dead.id, poolId, fromState },
        correlationId: 'corr-declare',
        requestedBy,
        errorCode: null,
        finishedAt: null,
      });
      expect(restarts).toEqual(
        byVm([restart(prot.id, 'high', 'running'), restart(m1.vm.id, 'low', 'migrating')]).map((r) =>
          expect.objectContaining(r),
        ),
      );

      // the answer: the restarts to wake (with their priority) and the VMs stopped
      expect(result.declared).toBe(true);
      expect(byVm(result.restarts)).toEqual(
        byVm(restarts.map((r) => ({ id: r.id, vmId: r.vmId!, priority: (r.params as { priority: string }).priority }))),
      );
      expect([...result.stopped].sort()).toEqual([unprot.id, stopping.id, m2.vm.id].sort());

      // events: the host, then its VMs, then the operations ended, then the restarts
      const events = await eventsAfter(since);
      expect(events.map((e) => e.type)).toEqual([
        'host.state',
        ...Array(5).fill('vm.state'),
        ...Array(5).fill('operation.status'),
      ]);
      const endedEvents = events.slice(6, 9).map((e) => e.data as { status: string; errorCode: string; kind: string });
      expect(endedEvents.map((d) => [d.status, d.errorCode]).sort()).toEqual(Array(3).fill(['cancelled', 'host_lost']));
      expect(endedEvents.map((d) => d.kind).sort()).toEqual(['migrate', 'migrate', 'stop']);
      expect(events[0]).toMatchObject({
        projectId: null,
        resourceType: 'host',
        resourceId: dead.id,
        data: { state: 'down', name: dead.name, reason: REASON },
      });
      const vmEvents = events
        .slice(1, 6)
        .map((e) => ({ id: e.resourceId, projectId: e.projectId, resourceType: e.resourceType, data: e.data }));
      const vmEvent = (id: string, state: string) => ({
        id,
        projectId,
        resourceType: 'vm',
        data: { state, hostId: dead.id, reason: 'host_lost' },
      });
      expect(vmEvents.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [
          vmEvent(prot.id, 'recovering'),
          vmEvent(unprot.id, 'stopped'),
          vmEvent(stopping.id, 'stopped'),
          vmEvent(m1.vm.id, 'recovering'),
          vmEvent(m2.vm.id, 'stopped'),
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );
      const opEvents = events.slice(9).map((e) => ({ id: e.resourceId, resourceType: e.resourceType, data: e.data }));
      const opEvent = (r: { id: string; vmId: string | null }) => ({
        id: r.id,
        resourceType: 'operation',
        data: { kind: 'ha_restart', status: 'queued', progress: 0, vmId: r.vmId, errorCode: null },
      });
      expect(opEvents.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        restarts.map(opEvent).sort((a, b) => a.id.localeCompare(b.id)),
      );

      // declared again (a second monitor, an operator): nothing at all changes
      const declared = await everything();
      expect(await failOver(t.db, { hostId: dead.id, from: DECLARABLE, reason: 'again' })).toEqual({
        declared: false,
        restarts: [],
        stopped: [],
      });
      const stalePlan: FailoverPlan[] = [
        { vmId: prot.id, state: 'running', disposition: 'restart', priority: 'high' },
        { vmId: unprot.id, state: 'running', disposition: 'stop', priority: 'none' },
      ];
      expect(
        await declareHostDead(t.db, { hostId: dead.id, from: DECLARABLE, plan: stalePlan, reason: 'again' }),
      ).toEqual({ declared: false, restarts: [], stopped: [] });
      expect(await everything()).toEqual(declared);
    });

    it('changes nothing for a host in a state it may not be declared dead from', async () => {
      const resting = await host();
      const v = await placed(resting.id, 'running', 'high');
      await operation(v.id, 'reboot');
      await t.db.host.update({ where: { id: resting.id }, data: { state: 'maintenance' } });
      const before = await everything();
      const plan: FailoverPlan[] = [{ vmId: v.id, state: 'running', disposition: 'restart', priority: 'high' }];
      expect(await declareHostDead(t.db, { hostId: resting.id, from: DECLARABLE, plan, reason: REASON })).toEqual({
        declared: false,
        restarts: [],
        stopped: [],
      });
      expect(await failOver(t.db, { hostId: resting.id, from: DECLARABLE, reason: REASON })).toEqual({
        declared: false,
        restarts: [],
        stopped: [],
      });
      expect(await everything()).toEqual(before);
    });

    it('leaves alone a VM that moved between the read and the statement', async () => {
      const [dead, target, other] = [await host(), await host(), await host()];
      const stays = await placed(dead.id, 'running', 'high');
      const nowStopping = await placed(dead.id, 'running', 'high');
      const nowMigrating = await placed(dead.id, 'running', 'medium');
      const nowElsewhere = await placed(other.id, 'running');
      // the plan as it was read: all four running on the dead host
      const plan: FailoverPlan[] = [
        { vmId: stays.id, state: 'running', disposition: 'restart', priority: 'high' },
        { vmId: nowStopping.id, state: 'running', disposition: 'restart', priority: 'high' },
        { vmId: nowMigrating.id, state: 'running', disposition: 'restart', priority: 'medium' },
        { vmId: nowElsewhere.id, state: 'running', disposition: 'stop', priority: 'none' },
      ];
      // meanwhile: one is being stopped, one began migrating (a target claim elsewhere), one runs on another host
      await t.db.vm.update({ where: { id: nowStopping.id }, data: { state: 'stopping' } });
      const stopOp = await operation(nowStopping.id, 'stop');
      await t.db.vm.update({ where: { id: nowMigrating.id }, data: { state: 'migrating' } });
      const migOp = await operation(nowMigrating.id, 'migrate', 'running', { hostId: dead.id });
      const claim = {
        vmId: nowMigrating.id,
        sourceHostId: dead.id,
        hostId: target.id,
        vcpus: 1,
        memoryMb: 1024,
        diskGb: 1,
        epoch: 2,
        opId: migOp.id,
        step: 'claimed',
        progress: 40,
      };
      expect(await claimMigrationTarget(t.db, claim)).toBe('claimed');
      const elsewhereOp = await operation(nowElsewhere.id, 'reboot');
      const before = await everything();
      const since = await lastEventId();

      const result = await declareHostDead(t.db, { hostId: dead.id, from: DECLARABLE, plan, reason: REASON });

      expect(result.declared).toBe(true);
      expect(result.restarts.map((r) => r.vmId)).toEqual([stays.id]);
      expect(result.stopped).toEqual([]);
      expect((await vmRow(stays.id)).state).toBe('recovering');
      for (const v of [nowStopping, nowMigrating, nowElsewhere])
        expect(await vmRow(v.id)).toEqual(before.vms.find((b) => b.id === v.id));
      // the new migration's target claim stands
      expect(await usage(target.id)).toEqual(ONE);
      expect(await t.db.allocation.findMany({ orderBy: { id: 'asc' } })).toEqual(before.allocations);
      for (const o of [stopOp, migOp, elsewhereOp])
        expect(await opRow(o.id)).toEqual(before.operations.find((b) => b.id === o.id));
      for (const v of [nowStopping, nowMigrating, nowElsewhere]) expect(await restartOf(v.id)).toEqual([]);
      const events = await eventsAfter(since);
      expect(events.map((e) => [e.type, e.resourceId])).toEqual([
        ['host.state', dead.id],
        ['vm.state', stays.id],
        ['operation.status', result.restarts[0]!.id],
      ]);
    });
  });

  describe('claimRestart', () => {
    it('moves the claim from the dead host to the new one, or refuses and writes nothing', async () => {
      const pool2 = await t.db.pool.create({
        data: { name: 'p2', cpuAllocationRatio: 1, ramAllocationRatio: 1, ...PATIENT_LIVENESS },
      });
      const [dead, full, silent] = [await host(), await host(512), await host(8192, pool2.id)];
      const vm = await placed(dead.id, 'running', 'high');
      const unprot = await placed(dead.id, 'running');
      await failOver(t.db, { hostId: dead.id, from: DECLARABLE, reason: REASON });
      const [restart] = await restartOf(vm.id);
      const op = await t.db.operation.update({
        where: { id: restart!.id },
        data: { status: 'running', step: 'placing' },
      });
      // silent for two hours: its row says up, its pool's suspect timeout is an hour
      await t.db
        .$executeRaw`UPDATE hosts SET last_heartbeat_at = now() - interval '2 hours' WHERE id = ${silent.id}::uuid`;
      const to = (hostId: string, over: Partial<RestartClaim> = {}): RestartClaim => ({
        vmId: vm.id,
        fromHostId: dead.id,
        hostId,
        vcpus: 1,
        memoryMb: 1024,
        diskGb: 1,
        epoch: 2,
        opId: op.id,
        step: 'building',
        progress: 40,
        ...over,
      });

      const refused = async (c: RestartClaim, result: 'host_full' | 'vm_gone') => {
        const before = await everything();
        expect(await claimRestart(t.db, c)).toEqual({ result });
        expect(await everything()).toEqual(before);
      };
      await refused(to(full.id), 'host_full');
      await refused(to(silent.id), 'host_full');
      await refused(to(silent.id, { vmId: unprot.id }), 'vm_gone');
      await refused(to(silent.id, { fromHostId: full.id }), 'vm_gone');
      await refused(to(silent.id, { fromHostId: null }), 'vm_gone');
      // never the dead host itself, even up and answering again while the VM's claim is there
      await t.db.$executeRaw`UPDATE hosts SET state = 'up', last_heartbeat_at = now() WHERE id = ${dead.id}::uuid`;
      await refused(to(dead.id), 'host_full');
      await t.db.$executeRaw`UPDATE hosts SET state = 'down' WHERE id = ${dead.id}::uuid`;

      // the silent host answers again: the claim moves there, into the other pool
      await recordHeartbeats(t.db, [silent.id]);
      const [deadUsage, since] = [await usage(dead.id), await lastEventId()];
      const vmBefore = await vmRow(vm.id);
      expect(await claimRestart(t.db, to(silent.id))).toEqual({
        result: 'claimed',
        host: { id: silent.id, name: silent.name, address: silent.address },
      });
      expect(
        await t.db.allocation.findMany({
          where: { vmId: vm.id },
          select: { hostId: true, epoch: true, vcpus: true, memoryMb: true, diskGb: true },
        }),
      ).toEqual([{ hostId: silent.id, epoch: 2, vcpus: 1, memoryMb: 1024, diskGb: 1 }]);
      expect(await usage(dead.id)).toEqual(deadUsage.map((n, i) => n - ONE[i]!));
      expect(await usage(silent.id)).toEqual(ONE);
      expect(await vmRow(vm.id)).toEqual({
        ...vmBefore,
        hostId: silent.id,
        poolId: pool2.id,
        epoch: 2,
        updatedAt: expect.any(Date),
      });
      expect(await opRow(op.id)).toEqual({
        ...op,
        hostId: silent.id,
        step: 'building',
        progress: 40,
        updatedAt: expect.any(Date),
      });
      const events = await eventsAfter(since);
      expect(events.map((e) => [e.resourceType, e.resourceId, e.type, e.data])).toEqual([
        ['vm', vm.id, 'vm.state', { state: 'recovering', hostId: silent.id }],
      ]);
      // the unprotected VM kept its claim on the dead host
      expect(await t.db.allocation.findMany({ where: { vmId: unprot.id }, select: { hostId: true } })).toEqual([
        { hostId: dead.id },
      ]);

      // claimed again from the dead host: the VM is not there any more
      await refused(to(full.id), 'vm_gone');
    });
  });

  describe('a returning host', () => {
    it('lets go of the claim of a VM still waiting for its restart, and of nothing else', async () => {
      const [dead, other] = [await host(), await host()];
      const waiting = await placed(dead.id, 'running', 'high');
      const stopped = await placed(dead.id, 'running');
      await failOver(t.db, { hostId: dead.id, from: DECLARABLE, reason: REASON });

      const before = await everything();
      await releaseRecoveringClaim(t.db, stopped.id, dead.id);
      await releaseRecoveringClaim(t.db, waiting.id, other.id);
      expect(await everything()).toEqual(before);

      const vmBefore = await vmRow(waiting.id);
      await releaseRecoveringClaim(t.db, waiting.id, dead.id);
      expect(await vmRow(waiting.id)).toEqual({ ...vmBefore, hostId: null, updatedAt: expect.any(Date) });
      expect(await t.db.allocation.count({ where: { vmId: waiting.id } })).toBe(0);
      expect([await usage(dead.id), await usage(other.id)]).toEqual([ONE, NONE]);
      expect(await t.db.allocation.findMany({ where: { vmId: stopped.id }, select: { hostId: true } })).toEqual([
        { hostId: dead.id },
      ]);
      const released = await everything();
      await releaseRecoveringClaim(t.db, waiting.id, dead.id);
      expect(await everything()).toEqual(released);

      // its restart may now place it anywhere
      const [restart] = await restartOf(waiting.id);
      await t.db.operation.update({ where: { id: restart!.id }, data: { status: 'running', step: 'placing' } });
      const claim = {
        vmId: waiting.id,
        fromHostId: null,
        hostId: other.id,
        vcpus: 1,
        memoryMb: 1024,
        diskGb: 1,
        epoch: 2,
        opId: restart!.id,
        step: 'building',
        progress: 40,
      };
      expect(await claimRestart(t.db, claim)).toMatchObject({ result: 'claimed' });
      expect(await usage(other.id)).toEqual(ONE);
    });

    it('adopts back the VMs still claimed there under the same epoch, and cancels their waiting restarts', async () => {
      const [dead, other] = [await host(), await host()];
      const waiting = await placed(dead.id, 'running', 'high');
      const lost = await placed(dead.id, 'running');
      const userStopped = await placed(dead.id, 'stopped');
      const otherEpoch = await placed(dead.id, 'running', 'high');
      const restarted = await placed(dead.id, 'running', 'high');
      const unclaimed = await placed(dead.id, 'running', 'medium');
      // stopped while migrating away: its epoch rose to its (released) target claim's, 2; its claim here is of epoch 1
      const { vm: wasMigrating } = await migrating(dead.id, other.id, 'none');
      await failOver(t.db, { hostId: dead.id, from: DECLARABLE, reason: REASON });
      expect((await vmRow(userStopped.id)).errorCode).toBeNull();
      // one restart already placed on another host, at epoch 2
      const [moving] = await restartOf(restarted.id);
      await t.db.operation.update({ where: { id: moving!.id }, data: { status: 'running', step: 'placing' } });
      const move = {
        vmId: restarted.id,
        fromHostId: dead.id,
        hostId: other.id,
        vcpus: 1,
        memoryMb: 1024,
        diskGb: 1,
        epoch: 2,
        opId: moving!.id,
        step: 'building',
        progress: 40,
      };
      expect(await claimRestart(t.db, move)).toMatchObject({ result: 'claimed' });
      // one still recovering on the dead host, but holding no claim there any more
      await t.db.allocation.deleteMany({ where: { vmId: unclaimed.id } });
      // a stray claim here with the restarted VM's new epoch: it is placed on another host all the same
      await t.db.allocation.create({
        data: { vmId: restarted.id, hostId: dead.id, vcpus: 1, memoryMb: 1024, diskGb: 1, epoch: 2 },
      });
      expect(await vmRow(wasMigrating.id)).toMatchObject({
        state: 'stopped',
        errorCode: 'host_lost',
        hostId: dead.id,
        epoch: 2,
      });
      const [waitingRestart] = await restartOf(waiting.id);
      await t.db.operation.update({ where: { id: waitingRestart!.id }, data: { status: 'running', step: 'placing' } });
      const before = await everything();
      const since = await lastEventId();

      const domain = (vmId: string, epoch: number, domId: number, powerState: 'running' | 'paused' = 'running') => ({
        vmId,
        projectId,
        epoch,
        domId,
        powerState,
      });
      const adopted = await adoptVms(t.db, dead.id, [
        domain(waiting.id, 1, 21, 'paused'),
        domain(lost.id, 1, 22),
        domain(userStopped.id, 1, 23),
        domain(otherEpoch.id, 0, 24),
        domain(restarted.id, 1, 25),
        domain(restarted.id, 2, 25),
        domain(unclaimed.id, 1, 26),
        domain(wasMigrating.id, 1, 27),
        domain(wasMigrating.id, 2, 27),
      ]);

      expect(adopted.sort()).toEqual([waiting.id, lost.id].sort());
      const vmBefore = (id: string) => before.vms.find((v) => v.id === id)!;
      const back = (id: string, domId: number, powerState: string) => ({
        ...vmBefore(id),
        state: 'running',
        domId,
        powerState,
        errorCode: null,
        errorMessage: null,
        stateChangedAt: expect.any(Date),
        updatedAt: expect.any(Date),
      });
      expect(await vmRow(waiting.id)).toEqual(back(waiting.id, 21, 'paused'));
      expect(await vmRow(lost.id)).toEqual(back(lost.id, 22, 'running'));
      for (const v of [userStopped, otherEpoch, restarted, unclaimed, wasMigrating])
        expect(await vmRow(v.id)).toEqual(vmBefore(v.id));
      expect(await opRow(waitingRestart!.id)).toEqual({
        ...before.operations.find((o) => o.id === waitingRestart!.id),
        status: 'cancelled',
        errorCode: 'adopted',
        errorMessage: 'its host came back with the VM still running',
        finishedAt: expect.any(Date),
        updatedAt: expect.any(Date),
      });
      // every other operation, and every claim and host, as it was
      expect(
        (await t.db.operation.findMany({ orderBy: { id: 'asc' } })).filter((o) => o.id !== waitingRestart!.id),
      ).toEqual(before.operations.filter((o) => o.id !== waitingRestart!.id));
      expect(await t.db.allocation.findMany({ orderBy: { id: 'asc' } })).toEqual(before.allocations);
      expect(await t.db.host.findMany({ orderBy: { id: 'asc' } })).toEqual(before.hosts);

      const events = await eventsAfter(since);
      expect(events.map((e) => e.type)).toEqual(['vm.state', 'vm.state', 'operation.status']);
      expect(Object.fromEntries(events.slice(0, 2).map((e) => [e.resourceId, e.data]))).toEqual({
        [waiting.id]: { state: 'running', hostId: dead.id, reason: 'adopted' },
        [lost.id]: { state: 'running', hostId: dead.id, reason: 'adopted' },
      });
      expect(events[2]).toMatchObject({
        resourceType: 'operation',
        resourceId: waitingRestart!.id,
        data: { kind: 'ha_restart', status: 'cancelled', progress: 0, vmId: waiting.id, errorCode: 'adopted' },
      });

      // adopted once: the same report again changes nothing
      const afterAdoption = await everything();
      expect(await adoptVms(t.db, dead.id, [domain(waiting.id, 1, 21, 'paused'), domain(lost.id, 1, 22)])).toEqual([]);
      expect(await everything()).toEqual(afterAdoption);
    });
  });

  describe('restartsAhead', () => {
    it('counts the restarts of the pool with those priorities still to be placed', async () => {
      const [mine, theirs] = [
        await t.db.pool.create({ data: { name: 'ra-mine' } }),
        await t.db.pool.create({ data: { name: 'ra-theirs' } }),
      ];
      const restart = (
        pool: string,
        priority: string,
        status: OperationStatus,
        step: string | null = null,
        kind: OperationKind = 'ha_restart',
      ) =>
        t.db.operation.create({
          data: {
            kind,
            status,
            step,
            projectId,
            params: { priority, deadHostId: randomUUID(), poolId: pool, fromState: 'running' },
          },
        });
      await restart(mine.id, 'high', 'queued');
      await restart(mine.id, 'high', 'running', 'placing');
      await restart(mine.id, 'high', 'running', 'waiting_for_capacity');
      await restart(mine.id, 'high', 'running', 'building');
      await restart(mine.id, 'high', 'succeeded', 'done');
      await restart(mine.id, 'high', 'failed', 'placing');
      await restart(mine.id, 'high', 'cancelled');
      await restart(mine.id, 'high', 'queued', null, 'create');
      await restart(mine.id, 'medium', 'queued');
      await restart(mine.id, 'low', 'running', 'placing');
      await restart(theirs.id, 'high', 'queued');

      expect(await restartsAhead(t.db, mine.id, ['high'])).toBe(2);
      expect(await restartsAhead(t.db, mine.id, ['high', 'medium'])).toBe(3);
      expect(await restartsAhead(t.db, mine.id, ['medium'])).toBe(1);
      expect(await restartsAhead(t.db, mine.id, [])).toBe(0);
      expect(await restartsAhead(t.db, theirs.id, ['high', 'medium'])).toBe(1);
    });
  });

  describe('pool partitions', () => {
    it('marks a pool partitioned once per episode, and clears it once', async () => {
      const pool = await t.db.pool.create({ data: { name: 'cut-off' } });
      const since = await lastEventId();

      expect(await markPoolPartitioned(t.db, pool.id, { silent: 2, of: 3 })).toBe(true);
      const marked = await t.db.pool.findUniqueOrThrow({ where: { id: pool.id } });
      expect(marked.partitionedSince).toBeInstanceOf(Date);
      const once = await everything();
      expect(await markPoolPartitioned(t.db, pool.id, { silent: 3, of: 3 })).toBe(false);
      expect(await everything()).toEqual(once);

      expect(await clearPoolPartition(t.db, pool.id)).toBe(true);
      expect((await t.db.pool.findUniqueOrThrow({ where: { id: pool.id } })).partitionedSince).toBeNull();
      const cleared = await everything();
      expect(await clearPoolPartition(t.db, pool.id)).toBe(false);
      expect(await everything()).toEqual(cleared);

      // a new episode
      expect(await markPoolPartitioned(t.db, pool.id, { silent: 1, of: 1 })).toBe(true);
      const events = await eventsAfter(since);
      expect(events.map((e) => [e.projectId, e.resourceType, e.resourceId, e.type, e.data])).toEqual([
        [null, 'pool', pool.id, 'pool.partitioned', { name: 'cut-off', silentHosts: 2, hosts: 3 }],
        [null, 'pool', pool.id, 'pool.partition_healed', { name: 'cut-off' }],
        [null, 'pool', pool.id, 'pool.partitioned', { name: 'cut-off', silentHosts: 1, hosts: 1 }],
      ]);
      // other pools untouched
      expect((await t.db.pool.findUniqueOrThrow({ where: { id: poolId } })).partitionedSince).toBeNull();
    });
  });
});
