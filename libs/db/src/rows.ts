import { Prisma } from './generated/prisma/client';

/**
 * Column lists that read a raw statement's rows back as Prisma's own types (camelCase names,
 * enums as text), so a statement that writes and returns in one round trip needs no re-read.
 * Keep in step with prisma/schema.prisma (rows.int.spec.ts checks both read back equal to Prisma's own reads).
 */
export const VM_COLUMNS = Prisma.raw(
  `id, project_id AS "projectId", name, state::text AS state, power_state::text AS "powerState", host_id AS "hostId",
  pool_id AS "poolId", flavor_id AS "flavorId", image_id AS "imageId", guest_type::text AS "guestType", vcpus,
  memory_mb AS "memoryMb", disk_gb AS "diskGb", ha_priority::text AS "haPriority", server_group_id AS "serverGroupId",
  expires_at AS "expiresAt", metadata, user_data AS "userData", epoch, dom_id AS "domId", error_code AS "errorCode",
  error_message AS "errorMessage", state_changed_at AS "stateChangedAt", created_at AS "createdAt",
  updated_at AS "updatedAt", deleted_at AS "deletedAt"`,
);

export const OPERATION_COLUMNS = Prisma.raw(
  `id, kind::text AS kind, status::text AS status, progress, project_id AS "projectId", vm_id AS "vmId",
  host_id AS "hostId", step, attempts, params, error_code AS "errorCode", error_message AS "errorMessage",
  error_details AS "errorDetails", correlation_id AS "correlationId", requested_by AS "requestedBy",
  cancel_requested AS "cancelRequested", created_at AS "createdAt", started_at AS "startedAt",
  finished_at AS "finishedAt", updated_at AS "updatedAt"`,
);
