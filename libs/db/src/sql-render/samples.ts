import type { Db } from '../client';
import { claimHost, claimHostInGroup, claimStatement, releaseAllocations, type ClaimRequest } from '../claims';
import {
  adoptVms,
  claimRestart,
  clearPoolPartition,
  declareHostDead,
  markPoolPartitioned,
  releaseRecoveringClaim,
  restartsAhead,
} from '../failover';
import { lockHost } from '../host-maintenance';
import { readHostPage, readHosts, readRoster, recordHeartbeats } from '../hosts';
import { abortMigration, claimMigrationTarget, finishMigration } from '../migration';
import { beginOperation } from '../operation-begin';
import { finishBuiltVms, finishDeletedVms } from '../operation-ends';
import { releaseQuota } from '../quota';
import { startSnapshotOperation } from '../snapshot-operations';
import { createClone } from '../vm-clone';
import { createVmBatch } from '../vm-creation';
import { vmVifs } from '../vm-vifs';
import { allocateSharedExtents, vmDisks } from '../vm-disks';
import { vmListIds } from '../vm-list';
import { beginDestroy, beginScheduling, startVmOperation } from '../vm-operations';
import { insertDeliveries, lockDispatchCursor, lockProject } from '../webhook-dispatch';
import { ID, NOW, OP, OTHER_OP, OTHER_VM, VM } from './sample-values';

/** A call of a statement module's function with sample parameters, and what it shows. */
export interface Sample {
  name: string;
  call: (db: Db) => Promise<unknown>;
}

const CLAIM: ClaimRequest = {
  vmId: ID.vm,
  hostId: ID.host,
  vcpus: 2,
  memoryMb: 2048,
  diskGb: 20,
  epoch: 1,
  operation: { id: ID.op, step: 'building', progress: 40 },
};
const OTHER_CLAIM: ClaimRequest = {
  ...CLAIM,
  vmId: ID.otherVm,
  hostId: ID.otherHost,
  operation: { id: ID.otherOp, step: 'building', progress: 40 },
};
const GROUP = { id: ID.group, policy: 'anti_affinity' as const };
const FIRST_STEPS = { create: { step: 'placing', progress: 10 }, delete: { step: 'destroying', progress: 20 } };
const NEW_VM = {
  id: ID.vm,
  name: 'web-1',
  flavorId: ID.flavor,
  imageId: ID.image,
  guestType: 'pvh' as const,
  vcpus: 2,
  memoryMb: 2048,
  diskGb: 20,
  poolId: null,
  serverGroupId: null,
  haPriority: 'high' as const,
  metadata: { team: 'ci' },
  userData: null,
  sshKeys: [],
  expiresAt: null,
};
const FAILED = { code: 'agent_error', message: 'the target refused the domain' };

/** Every hand-written statement of libs/db, by module (the file libs/db/queries/<module>.sql). */
export const SAMPLES: Record<string, Sample[]> = {
  'operation-begin': [{ name: 'beginOperation', call: (db) => beginOperation(db, ID.op, FIRST_STEPS) }],
  claims: [
    { name: 'claimHost (one VM)', call: (db) => claimHost(db, CLAIM) },
    { name: 'claimStatement (a batch of two)', call: (db) => claimStatement(db, [CLAIM, OTHER_CLAIM]) },
    {
      name: 'claimHostInGroup (the group locked, its members read, then the claim)',
      call: (db) => claimHostInGroup(db, { ...CLAIM, serverGroup: GROUP }),
    },
    { name: 'releaseAllocations (every host)', call: (db) => releaseAllocations(db, ID.vm) },
    { name: 'releaseAllocations (one host)', call: (db) => releaseAllocations(db, ID.vm, ID.host) },
  ],
  migration: [
    {
      name: 'claimMigrationTarget',
      call: (db) =>
        claimMigrationTarget(db, {
          ...CLAIM,
          hostId: ID.otherHost,
          sourceHostId: ID.host,
          opId: ID.op,
          step: 'migrating',
          progress: 30,
        }),
    },
    {
      name: 'claimMigrationTarget (hard server group: the group locked, its members read, then the claim)',
      call: (db) =>
        claimMigrationTarget(db, {
          ...CLAIM,
          hostId: ID.otherHost,
          serverGroup: GROUP,
          sourceHostId: ID.host,
          opId: ID.op,
          step: 'migrating',
          progress: 30,
        }),
    },
    {
      name: 'finishMigration',
      call: (db) =>
        finishMigration(db, {
          vm: VM,
          op: { ...OP, kind: 'migrate' },
          sourceHostId: ID.host,
          targetHostId: ID.otherHost,
          epoch: 2,
          domId: 7,
        }),
    },
    {
      name: 'abortMigration',
      call: (db) =>
        abortMigration(db, {
          vm: VM,
          op: { ...OP, kind: 'migrate' },
          sourceHostId: ID.host,
          outcome: 'running',
          error: FAILED,
        }),
    },
  ],
  'vm-creation': [
    {
      name: 'createVmBatch',
      call: (db) =>
        createVmBatch(
          db,
          {
            projectId: ID.project,
            usage: { instances: 1, vcpus: 2, memoryMb: 2048, diskGb: 20 },
            vms: [NEW_VM],
            now: NOW,
            ops: [{ id: ID.op, vmId: ID.vm, params: { poolId: null }, correlationId: 'req-1', requestedBy: ID.user }],
            vifs: [{ vmId: ID.vm, device: 0, networkId: ID.network }],
            disks: [
              { vmId: ID.vm, kind: 'root', device: 'xvda', sizeGb: 10, imageId: ID.image },
              { vmId: ID.vm, kind: 'data', device: 'xvdb', sizeGb: 10, imageId: null },
            ],
          },
          () => ['00:16:3e:00:00:01', '00:16:3e:00:00:02', '00:16:3e:00:00:03'],
        ),
    },
  ],
  'vm-vifs': [{ name: 'vmVifs', call: (db) => vmVifs(db, ID.vm) }],
  'vm-disks': [
    { name: 'vmDisks', call: (db) => vmDisks(db, ID.vm) },
    { name: 'allocateSharedExtents', call: (db) => allocateSharedExtents(db, ID.vm) },
  ],
  'operation-ends': [
    {
      name: 'finishBuiltVms',
      call: (db) =>
        finishBuiltVms(db, [
          { vm: VM, op: OP, domId: 7, powerState: 'running', from: 'building' },
          { vm: OTHER_VM, op: { ...OTHER_OP, kind: 'ha_restart' }, domId: 8, powerState: 'paused', from: 'recovering' },
        ]),
    },
    {
      name: 'finishDeletedVms',
      call: (db) =>
        finishDeletedVms(db, [
          { vm: VM, op: { ...OP, kind: 'delete' } },
          { vm: OTHER_VM, op: { ...OTHER_OP, kind: 'delete' } },
        ]),
    },
  ],
  'vm-operations': [
    {
      name: 'startVmOperation (beginVmOperation too)',
      call: (db) =>
        startVmOperation(db, {
          vmId: ID.vm,
          projectId: ID.project,
          kind: 'stop',
          via: 'stopping',
          from: ['running', 'starting'],
          needsHost: true,
          params: { force: false },
          requestedBy: ID.user,
          correlationId: 'req-1',
        }),
    },
    {
      name: 'beginDestroy',
      call: (db) => beginDestroy(db, { vmId: ID.vm, opId: ID.op, step: 'destroying', progress: 20 }),
    },
    {
      name: 'beginScheduling',
      call: (db) =>
        beginScheduling(db, { vmId: ID.vm, projectId: ID.project, opId: ID.op, step: 'placing', progress: 10 }),
    },
  ],
  failover: [
    {
      name: 'declareHostDead',
      call: (db) =>
        declareHostDead(db, {
          hostId: ID.host,
          from: ['up', 'suspect', 'unreachable'],
          reason: 'no heartbeat for 30 s',
          requestedBy: null,
          correlationId: null,
          plan: [
            { vmId: ID.vm, state: 'running', disposition: 'restart', priority: 'high' },
            { vmId: ID.otherVm, state: 'stopping', disposition: 'stop', priority: 'none' },
          ],
        }),
    },
    {
      name: 'claimRestart',
      call: (db) =>
        claimRestart(db, {
          vmId: ID.vm,
          fromHostId: ID.host,
          hostId: ID.otherHost,
          vcpus: 2,
          memoryMb: 2048,
          diskGb: 20,
          epoch: 3,
          opId: ID.op,
          step: 'building',
          progress: 40,
        }),
    },
    { name: 'releaseRecoveringClaim', call: (db) => releaseRecoveringClaim(db, ID.vm, ID.host) },
    {
      name: 'adoptVms',
      call: (db) =>
        adoptVms(db, ID.host, [{ vmId: ID.vm, projectId: ID.project, epoch: 2, domId: 7, powerState: 'running' }]),
    },
    { name: 'markPoolPartitioned', call: (db) => markPoolPartitioned(db, ID.pool, { silent: 3, of: 5 }) },
    { name: 'clearPoolPartition', call: (db) => clearPoolPartition(db, ID.pool) },
    { name: 'restartsAhead', call: (db) => restartsAhead(db, ID.pool, ['high', 'medium']) },
  ],
  quota: [
    {
      name: 'releaseQuota',
      call: (db) => releaseQuota(db, ID.project, { instances: 1, vcpus: 2, memoryMb: 2048, diskGb: 20 }),
    },
  ],
  hosts: [
    { name: 'readHosts (all)', call: (db) => readHosts(db, { all: true }) },
    { name: 'readHosts (by id)', call: (db) => readHosts(db, { ids: [ID.host, ID.otherHost] }) },
    { name: 'readHosts (changed since a generation)', call: (db) => readHosts(db, { changedSince: 42n }) },
    { name: 'readHosts (not disabled)', call: (db) => readHosts(db, { notDisabled: true }) },
    { name: 'readHosts (of a pool)', call: (db) => readHosts(db, { poolId: ID.pool }) },
    { name: 'readHostPage (first page, no filter)', call: (db) => readHostPage(db, {}, undefined, 51) },
    {
      name: 'readHostPage (filtered, after a cursor)',
      call: (db) =>
        readHostPage(
          db,
          { states: ['up', 'maintenance'], poolId: ID.pool, name: 'xen-1' },
          { createdAt: new Date(Date.UTC(2026, 0, 1)), id: ID.host },
          11,
        ),
    },
    { name: 'recordHeartbeats', call: (db) => recordHeartbeats(db, [ID.host, ID.otherHost]) },
    { name: 'readRoster', call: (db) => readRoster(db) },
  ],
  'host-maintenance': [{ name: 'lockHost', call: (db) => lockHost(db as never, ID.host) }],
  'snapshot-operations': [
    {
      name: 'startSnapshotOperation (a new snapshot)',
      call: (db) =>
        startSnapshotOperation(db, {
          vmId: ID.vm,
          projectId: ID.project,
          kind: 'snapshot',
          snapshotId: ID.otherOp,
          name: 'before-upgrade',
          vmStates: ['running', 'stopped'],
          snapshotStates: [],
          via: 'creating',
          requestedBy: ID.user,
          correlationId: 'req-1',
        }),
    },
    {
      name: 'startSnapshotOperation (a revert)',
      call: (db) =>
        startSnapshotOperation(db, {
          vmId: ID.vm,
          projectId: null,
          kind: 'snapshot_revert',
          snapshotId: ID.otherOp,
          vmStates: ['stopped'],
          snapshotStates: ['available'],
          via: 'reverting',
          requestedBy: null,
          correlationId: null,
        }),
    },
  ],
  'vm-list': [
    { name: 'vmListIds (first page, every project, all but deleted)', call: (db) => vmListIds(db, {}, undefined, 51) },
    {
      name: 'vmListIds (every filter, after a cursor)',
      call: (db) =>
        vmListIds(
          db,
          {
            projectId: ID.project,
            states: ['running', 'stopped'],
            poolId: ID.pool,
            hostId: ID.host,
            name: 'ci-1',
            namePrefix: 'ci_',
            metadata: { job: '42', team: 'ci' },
          },
          { createdAt: NOW, id: ID.vm },
          11,
        ),
    },
  ],
  'vm-clone': [
    {
      // a transaction of several statements, the later ones on what the earlier read: only the
      // first (the source locked) renders without a database
      name: 'createClone (the source locked)',
      call: (db) =>
        createClone(db, {
          sourceId: ID.vm,
          projectId: ID.project,
          cloneId: ID.otherVm,
          opId: ID.op,
          requestedBy: ID.user,
          correlationId: 'req-1',
        }).catch(() => null),
    },
  ],
  'webhook-dispatch': [
    { name: 'lockDispatchCursor', call: (db) => lockDispatchCursor(db, 'dispatcher') },
    {
      name: 'insertDeliveries (two)',
      call: (db) =>
        insertDeliveries(db, [
          { webhookId: ID.project, eventId: 41n, eventType: 'vm.state' },
          { webhookId: ID.otherProject, eventId: 42n, eventType: 'operation.status' },
        ]),
    },
    { name: 'lockProject', call: (db) => lockProject(db, ID.project) },
  ],
};
