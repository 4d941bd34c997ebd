import type { Db } from './client';
import { hostStateEvent, operationEvent, recordEvents } from './events';
import type { Host, HostState, Operation, Prisma, Vm } from './generated/prisma/client';

type Tx = Prisma.TransactionClient;

/**
 * The host, locked for the rest of the transaction: two operators' calls on one host (two
 * evacuations at once, an enable racing a maintenance) take turns. Null if there is none.
 */
export async function lockHost(tx: Tx, id: string): Promise<Host | null> {
  await tx.$queryRaw`SELECT id FROM hosts WHERE id = ${id}::uuid FOR UPDATE`;
  return tx.host.findUnique({ where: { id } });
}

/** An operator's change of a host's state, with its event. */
export async function changeHostState(tx: Tx, host: Pick<Host, 'id' | 'name'>, state: HostState): Promise<void> {
  await tx.host.update({ where: { id: host.id }, data: { state, stateChangedAt: new Date() } });
  await recordEvents(tx, [hostStateEvent({ ...host, state })]);
}

/** The host's evacuation not yet ended, if any (one at a time: lockHost serialises the check). */
export function openEvacuation(tx: Tx | Db, hostId: string): Promise<Operation | null> {
  return tx.operation.findFirst({ where: { hostId, kind: 'evacuate', status: { in: ['queued', 'running'] } } });
}

export interface NewEvacuation {
  hostId: string;
  requestedBy: string | null;
  correlationId: string | null;
}

/** A queued evacuate operation for the host, with its event. It belongs to no project. */
export async function createEvacuation(tx: Tx, e: NewEvacuation): Promise<Operation> {
  const op = await tx.operation.create({
    data: {
      kind: 'evacuate',
      hostId: e.hostId,
      projectId: null,
      requestedBy: e.requestedBy,
      correlationId: e.correlationId,
    },
  });
  await recordEvents(tx, [operationEvent(op)]);
  return op;
}

/**
 * Ends an evacuation `cancelled` (the host was enabled): conditional on it being open, so a
 * scheduler ending it at the same moment wins or loses cleanly. The migrations it started
 * run to their own end.
 */
export async function cancelEvacuation(tx: Tx, op: Pick<Operation, 'id'>, message: string): Promise<Operation | null> {
  const [ended] = await tx.operation.updateManyAndReturn({
    where: { id: op.id, status: { in: ['queued', 'running'] } },
    data: { status: 'cancelled', finishedAt: new Date(), errorCode: 'cancelled', errorMessage: message },
  });
  if (ended) await recordEvents(tx, [operationEvent(ended)]);
  return ended ?? null;
}

/** A VM whose claim is on the host, as an evacuation needs it. */
export type HostResident = Pick<Vm, 'id' | 'projectId' | 'hostId' | 'state' | 'memoryMb'>;

export function hostResidents(db: Db, hostId: string): Promise<HostResident[]> {
  return db.vm.findMany({
    where: { hostId, state: { not: 'deleted' } },
    select: { id: true, projectId: true, hostId: true, state: true, memoryMb: true },
    orderBy: { createdAt: 'asc' },
  });
}

/** The migrate operations an evacuation started (each carries its id in params), oldest first. */
export function evacuationMoves(db: Db, evacuation: Pick<Operation, 'id' | 'hostId' | 'createdAt'>) {
  return db.operation.findMany({
    where: {
      kind: 'migrate',
      hostId: evacuation.hostId,
      createdAt: { gte: evacuation.createdAt },
      params: { path: ['evacuationId'], equals: evacuation.id },
    },
    select: { id: true, vmId: true, status: true, errorCode: true, errorMessage: true },
    orderBy: { createdAt: 'asc' },
  });
}

/** An evacuation's progress, while it runs. */
export async function recordEvacuationProgress(db: Db, op: Pick<Operation, 'id'>, progress: number): Promise<void> {
  await db.operation.updateMany({ where: { id: op.id, status: 'running' }, data: { step: 'migrating', progress } });
}
