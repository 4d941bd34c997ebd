import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import type { Host, Operation, Vm } from './generated/prisma/client';
import {
  hostColumnsOf,
  OPERATION_COLUMNS,
  operationColumnsOf,
  VM_COLUMNS,
  vmColumnsOf,
  vmFromRow,
  withoutVm,
} from './rows';

/** The raw column lists must read rows back exactly as Prisma does, or callers get wrong types. */
describe('raw row column lists (real Postgres)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('rows');
  });
  afterAll(() => t.drop());

  it('reads a VM, a host and an operation with every field set exactly as Prisma reads them', async () => {
    const pool = await t.db.pool.create({ data: { name: 'p' } });
    const project = await t.db.project.create({ data: { name: 'proj' } });
    const flavor = await t.db.flavor.create({ data: { name: 'f', vcpus: 1, memoryMb: 512, diskGb: 1 } });
    const image = await t.db.image.create({ data: { name: 'i', guestType: 'pvh', sizeGb: 1 } });
    const group = await t.db.serverGroup.create({
      data: { projectId: project.id, name: 'g', policy: 'anti_affinity' },
    });
    const host = await t.db.host.create({
      data: {
        name: 'h',
        poolId: pool.id,
        address: '127.0.0.1:1',
        state: 'up',
        certSerial: 's',
        certFingerprint: 'f',
        totalVcpus: 8,
        totalMemoryMb: 4096,
        totalDiskGb: 100,
        reservedVcpus: 1,
        reservedMemoryMb: 512,
        reservedDiskGb: 1,
        freeMemoryMb: 3000,
        cpuVendor: 'GenuineIntel',
        cpuFeatures: ['avx', 'sse2'],
        hvm: true,
        hap: true,
        xenVersion: '4.17',
        agentVersion: '0.1.0',
        usedVcpus: 2,
        usedMemoryMb: 512,
        usedDiskGb: 3,
        usedInstances: 1,
        lastHeartbeatAt: new Date(),
        enrolledAt: new Date(),
      },
    });
    const vm = await t.db.vm.create({
      data: {
        projectId: project.id,
        name: 'v',
        state: 'running',
        powerState: 'running',
        hostId: host.id,
        poolId: pool.id,
        flavorId: flavor.id,
        imageId: image.id,
        guestType: 'pvh',
        vcpus: 2,
        memoryMb: 512,
        diskGb: 3,
        haPriority: 'high',
        serverGroupId: group.id,
        expiresAt: new Date(Date.now() + 60_000),
        metadata: { a: 'b', n: [1, 2] },
        userData: 'x',
        sshKeys: ['ssh-ed25519 AAAA a', 'ssh-rsa BBBB b'],
        epoch: 4,
        domId: 7,
        errorCode: 'e',
        errorMessage: 'm',
        deletedAt: new Date(),
      },
    });
    const op = await t.db.operation.create({
      data: {
        kind: 'migrate',
        status: 'running',
        progress: 30,
        projectId: project.id,
        vmId: vm.id,
        hostId: host.id,
        step: 's',
        attempts: 2,
        params: { fromState: 'running' },
        errorCode: 'c',
        errorMessage: 'm',
        errorDetails: { k: 1 },
        correlationId: 'corr',
        requestedBy: project.id,
        cancelRequested: true,
        startedAt: new Date(),
        finishedAt: new Date(),
      },
    });
    const [rawVm] = await t.db.$queryRaw<Vm[]>`SELECT ${VM_COLUMNS} FROM vms WHERE id = ${vm.id}::uuid`;
    const [rawHost] = await t.db.$queryRaw<
      Host[]
    >`SELECT ${hostColumnsOf('h')} FROM hosts h WHERE id = ${host.id}::uuid`;
    expect(rawHost).toEqual(await t.db.host.findUniqueOrThrow({ where: { id: host.id } }));
    const [rawOp] = await t.db.$queryRaw<
      Operation[]
    >`SELECT ${OPERATION_COLUMNS} FROM operations WHERE id = ${op.id}::uuid`;
    expect(rawVm).toEqual(await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } }));
    expect(rawOp).toEqual(await t.db.operation.findUniqueOrThrow({ where: { id: op.id } }));

    const hostOp = await t.db.operation.create({ data: { kind: 'evacuate', hostId: host.id } });
    const joined = await t.db.$queryRaw<Record<string, unknown>[]>`
      SELECT ${operationColumnsOf('o')}, ${vmColumnsOf('v')} FROM operations o LEFT JOIN vms v ON v.id = o.vm_id
      WHERE o.id IN (${op.id}::uuid, ${hostOp.id}::uuid) ORDER BY o.kind::text`;
    expect(joined.map((r) => withoutVm(r))).toEqual([
      hostOp,
      await t.db.operation.findUniqueOrThrow({ where: { id: op.id } }),
    ]);
    expect(joined.map((r) => vmFromRow(r))).toEqual([null, await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })]);
  });
});
