import type { EventType } from '@xenplane/domain';
import { Prisma } from './generated/prisma/client';
import type { HostStatePayload, OperationStatusPayload, ResourceType, VmStatePayload } from './events';

/**
 * The events a statement records about its own changes, in SQL: the same rows, with the same
 * payloads, as recordEvents writes (events.ts), so every statement spells an event one way.
 */

type Sql = Prisma.Sql;

/** A payload's fields, each a SQL expression of the statement (a column, a parameter, a literal). */
export type SqlOf<T> = { [K in keyof T]-?: Sql };

/** Event rows of one kind: one per row of `from`, each column a SQL expression over it. */
export interface EventRows {
  from: Sql;
  /** the order of the rows of this kind (a batch's ordinality); absent: any */
  n?: Sql;
  projectId: Sql;
  resourceType: ResourceType;
  resourceId: Sql;
  type: EventType;
  data: Record<string, Sql>;
}

interface Source {
  from: Sql;
  n?: Sql;
}

/** A text literal of the statement's own (a state, a status): part of the text, not a parameter. */
export function literal(value: string): Sql {
  if (!/^[a-z_.]+$/.test(value)) throw new Error(`not a literal of ours: ${value}`);
  return Prisma.raw(`'${value}'`);
}

/** `vm.state`: the VM `vmId` entered `state` (extra: payload fields some callers add, as `reason`). */
export const vmStateRows = (
  r: Source & SqlOf<VmStatePayload> & { projectId: Sql; vmId: Sql; extra?: Record<string, Sql> },
): EventRows => ({
  from: r.from,
  n: r.n,
  projectId: r.projectId,
  resourceType: 'vm',
  resourceId: r.vmId,
  type: 'vm.state',
  data: { state: r.state, hostId: r.hostId, ...r.extra },
});

/** `operation.status`: the operation `opId` is now `status`. */
export const operationStatusRows = (
  r: Source & SqlOf<OperationStatusPayload> & { projectId: Sql; opId: Sql },
): EventRows => ({
  from: r.from,
  n: r.n,
  projectId: r.projectId,
  resourceType: 'operation',
  resourceId: r.opId,
  type: 'operation.status',
  data: { kind: r.kind, status: r.status, progress: r.progress, vmId: r.vmId, errorCode: r.errorCode },
});

/**
 * `operation.status` of operations a statement just wrote and returned as `rel` with Prisma's
 * column names (OPERATION_COLUMNS): each as it was made, no error.
 */
export const newOperationRows = (rel: string): EventRows => {
  const col = (c: string) => Prisma.raw(`${rel}.${c}`);
  return operationStatusRows({
    from: Prisma.raw(rel),
    projectId: col('"projectId"'),
    opId: col('id'),
    kind: col('kind'),
    status: col('status'),
    progress: col('progress'),
    vmId: Prisma.raw(`${rel}."vmId"::text`),
    errorCode: Prisma.sql`NULL`,
  });
};

/** `host.state`: an operator event (no project). */
export const hostStateRows = (
  r: Source & SqlOf<HostStatePayload> & { hostId: Sql; extra?: Record<string, Sql> },
): EventRows => ({
  from: r.from,
  n: r.n,
  projectId: Prisma.sql`NULL::uuid`,
  resourceType: 'host',
  resourceId: r.hostId,
  type: 'host.state',
  data: { state: r.state, name: r.name, ...r.extra },
});

/** A pool's operator event (no project) of type `type`. */
export const poolEventRows = (r: Source & { poolId: Sql; type: EventType; data: Record<string, Sql> }): EventRows => ({
  from: r.from,
  n: r.n,
  projectId: Prisma.sql`NULL::uuid`,
  resourceType: 'pool',
  resourceId: r.poolId,
  type: r.type,
  data: r.data,
});

const payload = (data: Record<string, Sql>): Sql =>
  Prisma.sql`jsonb_build_object(${Prisma.join(
    Object.entries(data).map(([key, value]) => Prisma.sql`${literalKey(key)}, ${value}`),
    ', ',
  )})`;

function literalKey(key: string): Sql {
  if (!/^[a-zA-Z]+$/.test(key)) throw new Error(`not a payload key: ${key}`);
  return Prisma.raw(`'${key}'`);
}

const columns = (r: EventRows): Sql =>
  Prisma.sql`${r.projectId} AS project_id, ${literal(r.resourceType)} AS resource_type, ${r.resourceId} AS resource_id, ${literal(r.type)} AS type,
          ${payload(r.data)} AS data`;

const INSERT = Prisma.sql`
      INSERT INTO events (project_id, resource_type, resource_id, type, data)`;

/**
 * Statement (a CTE's body, or a statement's last part): records the events of every kind given.
 * Event ids follow the order rows are written in, and readers of the stream rely on it: `byKind`
 * writes each kind's rows in turn (a VM's state before its operation's status, each kind in its
 * `n` order); `byRow` writes, for each `n` in turn (a batch's item), its rows of every kind.
 */
export function eventsRecorded(kinds: readonly EventRows[], order: 'byKind' | 'byRow' = 'byKind'): Sql {
  if (kinds.length === 1) {
    const [only] = kinds as [EventRows];
    return Prisma.sql`${INSERT}
      SELECT ${columns(only)}
      FROM ${only.from}${
        only.n
          ? Prisma.sql`
      ORDER BY ${only.n}`
          : Prisma.empty
      }
    `;
  }
  const ordered = kinds.some((k) => k.n);
  const branches = kinds.map(
    (
      k,
      i,
    ) => Prisma.sql`SELECT ${Prisma.raw(String(i + 1))} AS part, ${ordered ? Prisma.sql`${k.n ?? Prisma.raw('0')} AS n, ` : Prisma.empty}${columns(k)}
        FROM ${k.from}`,
  );
  const by = !ordered ? Prisma.raw('part') : Prisma.raw(order === 'byKind' ? 'part, n' : 'n, part');
  return Prisma.sql`${INSERT}
      SELECT project_id, resource_type, resource_id, type, data FROM (
        ${Prisma.join(branches, '\n        UNION ALL\n        ')}
      ) e ORDER BY ${by}
    `;
}
