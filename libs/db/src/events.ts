import type { EventType } from '@xenplane/domain';
import type { Prisma } from './generated/prisma/client';

/**
 * State changes recorded in the same transaction that makes them, so the event stream
 * (GET /v1/events) can never disagree with the rows it describes.
 */
export type ResourceType = 'vm' | 'operation' | 'host' | 'pool';

export interface EventInput {
  projectId: string | null;
  resourceType: ResourceType;
  resourceId: string;
  type: EventType;
  data: Prisma.InputJsonValue;
}

/**
 * Each event type's payload (`data`), written once for both ways an event is recorded: here as
 * an object (recordEvents), and in SQL by the statements that record their own (event-rows.ts).
 */
export interface VmStatePayload {
  state: string;
  hostId: string | null;
}

export interface OperationStatusPayload {
  kind: string;
  status: string;
  progress: number;
  vmId: string | null;
  errorCode: string | null;
}

export interface HostStatePayload {
  state: string;
  name: string;
}

type Tx = Pick<Prisma.TransactionClient, 'event'>;

export async function recordEvents(tx: Tx, events: readonly EventInput[]): Promise<void> {
  if (events.length === 0) return;
  await tx.event.createMany({ data: events as EventInput[] });
}

export const vmStateEvent = (
  vm: { id: string; projectId: string; state: string; hostId?: string | null },
  extra: Record<string, Prisma.InputJsonValue | null> = {},
): EventInput => ({
  projectId: vm.projectId,
  resourceType: 'vm',
  resourceId: vm.id,
  type: 'vm.state',
  data: {
    ...({ state: vm.state, hostId: vm.hostId ?? null } satisfies VmStatePayload),
    ...extra,
  } as Prisma.InputJsonValue,
});

export const operationEvent = (op: {
  id: string;
  projectId: string | null;
  kind: string;
  status: string;
  progress: number;
  vmId?: string | null;
  errorCode?: string | null;
}): EventInput => ({
  projectId: op.projectId,
  resourceType: 'operation',
  resourceId: op.id,
  type: 'operation.status',
  data: {
    kind: op.kind,
    status: op.status,
    progress: op.progress,
    vmId: op.vmId ?? null,
    errorCode: op.errorCode ?? null,
  } satisfies OperationStatusPayload,
});

export const hostStateEvent = (host: { id: string; state: string; name: string }): EventInput => ({
  projectId: null,
  resourceType: 'host',
  resourceId: host.id,
  type: 'host.state',
  data: { state: host.state, name: host.name } satisfies HostStatePayload,
});

export interface HostCertificateRenewedPayload {
  name: string;
  serial: string;
  expiresAt: string;
  /** why: requested (an operator), expiring, expiry_unknown (enrolled before expiries were kept) */
  reason: string;
}

export const hostCertificateRenewedEvent = (
  host: { id: string; name: string },
  cert: { serial: string; expiresAt: Date; reason: string },
): EventInput => ({
  projectId: null,
  resourceType: 'host',
  resourceId: host.id,
  type: 'host.certificate_renewed',
  data: {
    name: host.name,
    serial: cert.serial,
    expiresAt: cert.expiresAt.toISOString(),
    reason: cert.reason,
  } satisfies HostCertificateRenewedPayload,
});

/**
 * A copy of a VM destroyed on a host that came back after being declared dead (the VM runs
 * elsewhere now, or was deleted): the VM's own event when it exists, the host's otherwise.
 */
export const staleCopyDestroyedEvent = (
  host: { id: string; name: string },
  copy: { vmId: string; epoch: number; reason: string },
  vm?: { projectId: string },
): EventInput => ({
  projectId: vm?.projectId ?? null,
  resourceType: vm ? 'vm' : 'host',
  resourceId: vm ? copy.vmId : host.id,
  type: 'vm.stale_copy_destroyed',
  data: { vmId: copy.vmId, hostId: host.id, host: host.name, epoch: copy.epoch, reason: copy.reason },
});
