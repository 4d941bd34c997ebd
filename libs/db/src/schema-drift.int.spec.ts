import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import { findMigrationsDir } from './migrate';

/**
 * prisma/schema.prisma is the source of truth and the migrations are hand-written SQL
 * (no schema engine offline, see docs/DEVELOPMENT.md). This test fails when the two disagree:
 * every model field has a column of a matching type and nullability, every column is a
 * field, every enum has exactly its values.
 */
interface Field {
  model: string;
  table: string;
  name: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
}

const SCALAR_SQL: Record<string, string[]> = {
  String: ['text', 'uuid', 'character varying', 'inet'],
  Int: ['integer'],
  BigInt: ['bigint'],
  Float: ['double precision'],
  Boolean: ['boolean'],
  DateTime: ['timestamp with time zone'],
  Json: ['jsonb'],
};

function parseSchema(text: string) {
  const fields: Field[] = [];
  const enums = new Map<string, string[]>();
  for (const m of text.matchAll(/^enum (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    const values = m[2]!
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('//'))
      .map((l) => /@map\("([^"]+)"\)/.exec(l)?.[1] ?? l.split(/\s+/)[0]!);
    enums.set(m[1]!, values);
  }
  for (const m of text.matchAll(/^model (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    const body = m[2]!;
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? m[1]!;
    for (const line of body.split('\n')) {
      const f = /^\s+(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!f || line.trim().startsWith('//') || line.trim().startsWith('@@')) continue;
      const [, name, type, list, optional, rest] = f;
      if (rest!.includes('@relation') || (!SCALAR_SQL[type!] && !enums.has(type!))) continue; // relation fields
      fields.push({
        model: m[1]!,
        table,
        name: name!,
        column: /@map\("([^"]+)"\)/.exec(rest!)?.[1] ?? name!,
        type: type!,
        optional: !!optional,
        list: !!list,
      });
    }
  }
  return { fields, enums };
}

describe('schema.prisma and the migrations agree', () => {
  let t: TestDatabase;
  const schema = parseSchema(readFileSync(join(findMigrationsDir(), '..', 'schema.prisma'), 'utf8'));

  beforeAll(async () => {
    t = await createTestDatabase('drift');
  });
  afterAll(() => t.drop());

  it('has a column of the right type and nullability for every field', async () => {
    const columns = await t.db.$queryRaw<
      { table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }[]
    >`
      SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`;
    const byKey = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c]));
    const problems: string[] = [];
    for (const f of schema.fields) {
      const c = byKey.get(`${f.table}.${f.column}`);
      if (!c) {
        problems.push(`${f.model}.${f.name}: no column ${f.table}.${f.column}`);
        continue;
      }
      const sqlType = f.list
        ? `${c.udt_name.replace(/^_/, '')}[]`
        : c.data_type === 'USER-DEFINED'
          ? c.udt_name
          : c.data_type;
      const expected = schema.enums.has(f.type)
        ? [f.type]
        : (SCALAR_SQL[f.type] ?? []).map((s) => (f.list ? `${s === 'text' ? 'text' : s}[]` : s));
      if (!expected.includes(sqlType))
        problems.push(`${f.model}.${f.name}: ${f.type}${f.list ? '[]' : ''} but column is ${sqlType}`);
      // Prisma lists are never null in the client; the column may be nullable
      if (!f.list && f.optional !== (c.is_nullable === 'YES'))
        problems.push(`${f.model}.${f.name}: optional=${f.optional} but nullable=${c.is_nullable}`);
    }
    expect(problems).toEqual([]);
  });

  it('has no column the schema does not know', async () => {
    const tables = [...new Set(schema.fields.map((f) => f.table))];
    const columns = await t.db.$queryRaw<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY(${tables})`;
    const known = new Set(schema.fields.map((f) => `${f.table}.${f.column}`));
    expect(columns.map((c) => `${c.table_name}.${c.column_name}`).filter((k) => !known.has(k))).toEqual([]);
  });

  it('has every enum with exactly its values', async () => {
    const rows = await t.db.$queryRaw<{ name: string; value: string }[]>`
      SELECT t.typname AS name, e.enumlabel AS value FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder`;
    const db = new Map<string, string[]>();
    for (const r of rows) db.set(r.name, [...(db.get(r.name) ?? []), r.value]);
    expect(Object.fromEntries(db)).toEqual(Object.fromEntries(schema.enums));
  });

  it('writes and reads every model through the generated client', async () => {
    const db = t.db;
    const project = await db.project.create({ data: { name: 'drift' } });
    const token = await db.token.create({
      data: { projectId: project.id, name: 't', role: 'member', tokenHash: 'h', prefix: 'p' },
    });
    const flavor = await db.flavor.create({ data: { name: 'f', vcpus: 1, memoryMb: 64, diskGb: 1 } });
    const image = await db.image.create({
      data: {
        name: 'i',
        guestType: 'pvh',
        sizeGb: 1,
        kernel: '/k',
        ramdisk: '/r',
        cmdline: 'c',
        bootloader: 'pygrub',
        source: '/s',
      },
    });
    const pool = await db.pool.create({
      data: { name: 'p', placementWeights: { memoryMb: { mode: 'pack', weight: 2 } }, haHostFailuresToTolerate: 1 },
    });
    const host = await db.host.create({
      data: { name: 'h', poolId: pool.id, address: 'a:1', cpuFeatures: ['sse2', 'avx'], state: 'up', hvm: true },
    });
    const group = await db.serverGroup.create({
      data: { projectId: project.id, name: 'g', policy: 'soft_anti_affinity' },
    });
    const vm = await db.vm.create({
      data: {
        projectId: project.id,
        name: 'v',
        flavorId: flavor.id,
        imageId: image.id,
        guestType: 'pvh',
        vcpus: 1,
        memoryMb: 64,
        diskGb: 1,
        hostId: host.id,
        poolId: pool.id,
        serverGroupId: group.id,
        haPriority: 'high',
        metadata: { a: 'b' },
        userData: 'u',
        sshKeys: ['ssh-ed25519 AAAA k'],
        expiresAt: new Date(),
        domId: 7,
        state: 'running',
        powerState: 'running',
      },
    });
    await db.allocation.create({ data: { vmId: vm.id, hostId: host.id, vcpus: 1, memoryMb: 64, diskGb: 1, epoch: 1 } });
    const network = await db.network.create({
      data: {
        poolId: pool.id,
        name: 'n',
        bridge: 'xenbr0',
        cidr: '10.0.0.0/24',
        gateway: '10.0.0.1',
        dns: ['1.1.1.1', '9.9.9.9'],
        rangeStart: '10.0.0.10',
        rangeEnd: '10.0.0.20',
        isDefault: true,
      },
    });
    await db.vmAddress.create({
      data: { vmId: vm.id, networkId: network.id, device: 0, mac: '00:16:3e:00:00:01', ip: '10.0.0.10' },
    });
    const op = await db.operation.create({
      data: {
        kind: 'ha_restart',
        projectId: project.id,
        vmId: vm.id,
        params: { x: 1 },
        errorDetails: { y: 2 },
        status: 'failed',
      },
    });
    await db.idempotencyRecord.create({
      data: {
        scope: 's',
        key: 'k',
        method: 'POST',
        path: '/',
        requestHash: 'h',
        status: 202,
        body: { ok: true },
        lockedUntil: new Date(),
        expiresAt: new Date(),
      },
    });
    await db.enrollmentToken.create({ data: { tokenHash: 'e', poolId: pool.id, expiresAt: new Date() } });
    await db.event.create({
      data: {
        projectId: project.id,
        resourceType: 'vm',
        resourceId: vm.id,
        type: 'vm.state',
        data: { state: 'running' },
      },
    });

    const audit = await db.auditEntry.create({
      data: {
        actorType: 'token',
        tokenId: token.id,
        tokenName: 't',
        role: 'member',
        projectId: project.id,
        method: 'DELETE',
        route: '/v1/vms/:id',
        action: 'vm.delete',
        resourceType: 'vm',
        resourceIds: [vm.id],
        operationIds: [op.id],
        summary: { a: 1 },
        status: 202,
        correlationId: 'c',
        sourceAddress: '127.0.0.1',
      },
    });

    expect(await db.auditEntry.findUniqueOrThrow({ where: { id: audit.id } })).toMatchObject({
      role: 'member',
      resourceIds: [vm.id],
      operationIds: [op.id],
      summary: { a: 1 },
    });
    expect((await db.token.findUniqueOrThrow({ where: { id: token.id } })).role).toBe('member');
    expect((await db.host.findUniqueOrThrow({ where: { id: host.id } })).cpuFeatures).toEqual(['sse2', 'avx']);
    expect((await db.pool.findUniqueOrThrow({ where: { id: pool.id } })).placementWeights).toEqual({
      memoryMb: { mode: 'pack', weight: 2 },
    });
    expect((await db.serverGroup.findUniqueOrThrow({ where: { id: group.id } })).policy).toBe('soft_anti_affinity');
    const readVm = await db.vm.findUniqueOrThrow({
      where: { id: vm.id },
      include: { allocations: true, operations: true },
    });
    expect(readVm).toMatchObject({ haPriority: 'high', metadata: { a: 'b' }, domId: 7, state: 'running' });
    expect(readVm.allocations).toHaveLength(1);
    expect(await db.network.findUniqueOrThrow({ where: { id: network.id } })).toMatchObject({
      cidr: '10.0.0.0/24',
      gateway: '10.0.0.1',
      dns: ['1.1.1.1', '9.9.9.9'],
      rangeStart: '10.0.0.10',
      isDefault: true,
    });
    expect(await db.vmAddress.findFirstOrThrow({ where: { vmId: vm.id } })).toMatchObject({
      ip: '10.0.0.10',
      mac: '00:16:3e:00:00:01',
    });
    expect(readVm.operations[0]).toMatchObject({ id: op.id, kind: 'ha_restart', errorDetails: { y: 2 } });
    expect(readVm.sshKeys).toEqual(['ssh-ed25519 AAAA k']);
    const keypair = await db.keypair.create({
      data: { projectId: project.id, name: 'k', publicKey: 'ssh-ed25519 AAAA k', fingerprint: 'SHA256:x' },
    });
    expect(await db.keypair.findUniqueOrThrow({ where: { id: keypair.id } })).toMatchObject({ name: 'k' });
    expect(typeof (await db.event.findFirstOrThrow()).id).toBe('bigint');
    expect(await db.idempotencyRecord.count()).toBe(1);
    expect(await db.enrollmentToken.count()).toBe(1);
  });

  it('bumps a host generation on what placement cares about, not on heartbeats', async () => {
    const pool = await t.db.pool.create({ data: { name: 'gen' } });
    const h = await t.db.host.create({ data: { name: 'gen-h', poolId: pool.id, address: 'a:1' } });
    const beat = await t.db.host.update({
      where: { id: h.id },
      data: { lastHeartbeatAt: new Date(), freeMemoryMb: 5 },
    });
    expect(beat.generation).toBe(h.generation);
    const used = await t.db.host.update({ where: { id: h.id }, data: { usedVcpus: 1 } });
    expect(used.generation).toBeGreaterThan(h.generation);
  });
});
