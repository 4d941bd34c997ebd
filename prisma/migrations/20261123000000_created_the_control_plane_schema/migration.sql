-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'member', 'viewer', 'operator');
CREATE TYPE "GuestType" AS ENUM ('pv', 'pvh', 'hvm');
CREATE TYPE "HostState" AS ENUM ('enrolling', 'up', 'suspect', 'down', 'maintenance', 'disabled');
CREATE TYPE "VmState" AS ENUM ('pending', 'scheduling', 'building', 'running', 'stopping', 'stopped', 'starting', 'rebooting', 'migrating', 'recovering', 'deleting', 'deleted', 'error');
CREATE TYPE "PowerState" AS ENUM ('none', 'running', 'paused', 'shutdown', 'crashed');
CREATE TYPE "HaPriority" AS ENUM ('high', 'medium', 'low', 'none');
CREATE TYPE "ServerGroupPolicy" AS ENUM ('affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity');
CREATE TYPE "OperationKind" AS ENUM ('create', 'delete', 'start', 'stop', 'reboot', 'migrate', 'evacuate', 'ha_restart');
CREATE TYPE "OperationStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateSequence
CREATE SEQUENCE "host_generation";

-- CreateTable
CREATE TABLE "projects" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "quota_instances" INTEGER NOT NULL DEFAULT 100,
    "quota_vcpus" INTEGER NOT NULL DEFAULT 256,
    "quota_memory_mb" INTEGER NOT NULL DEFAULT 524288,
    "quota_disk_gb" INTEGER NOT NULL DEFAULT 10240,
    "used_instances" INTEGER NOT NULL DEFAULT 0,
    "used_vcpus" INTEGER NOT NULL DEFAULT 0,
    "used_memory_mb" INTEGER NOT NULL DEFAULT 0,
    "used_disk_gb" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "tokens" (
    "id" UUID NOT NULL,
    "project_id" UUID,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "tokens_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "flavors" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "vcpus" INTEGER NOT NULL,
    "memory_mb" INTEGER NOT NULL,
    "disk_gb" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "flavors_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "images" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "guest_type" "GuestType" NOT NULL,
    "size_gb" INTEGER NOT NULL,
    "kernel" TEXT,
    "ramdisk" TEXT,
    "cmdline" TEXT,
    "bootloader" TEXT,
    "disk_format" TEXT NOT NULL DEFAULT 'raw',
    "source" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "images_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "pools" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "cpu_allocation_ratio" DOUBLE PRECISION NOT NULL DEFAULT 4,
    "ram_allocation_ratio" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "disk_allocation_ratio" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "ha_host_failures_to_tolerate" INTEGER NOT NULL DEFAULT 0,
    "placement_weights" JSONB NOT NULL DEFAULT '{}',
    "require_cpu_compatibility" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "pools_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "hosts" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "pool_id" UUID NOT NULL,
    "state" "HostState" NOT NULL DEFAULT 'enrolling',
    "address" TEXT NOT NULL,
    "cert_serial" TEXT,
    "cert_fingerprint" TEXT,
    "total_vcpus" INTEGER NOT NULL DEFAULT 0,
    "total_memory_mb" INTEGER NOT NULL DEFAULT 0,
    "total_disk_gb" INTEGER NOT NULL DEFAULT 0,
    "reserved_vcpus" INTEGER NOT NULL DEFAULT 0,
    "reserved_memory_mb" INTEGER NOT NULL DEFAULT 0,
    "reserved_disk_gb" INTEGER NOT NULL DEFAULT 0,
    "free_memory_mb" INTEGER NOT NULL DEFAULT 0,
    "cpu_vendor" TEXT NOT NULL DEFAULT '',
    "cpu_features" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "hvm" BOOLEAN NOT NULL DEFAULT false,
    "hap" BOOLEAN NOT NULL DEFAULT false,
    "xen_version" TEXT NOT NULL DEFAULT '',
    "agent_version" TEXT NOT NULL DEFAULT '',
    "used_vcpus" INTEGER NOT NULL DEFAULT 0,
    "used_memory_mb" INTEGER NOT NULL DEFAULT 0,
    "used_disk_gb" INTEGER NOT NULL DEFAULT 0,
    "used_instances" INTEGER NOT NULL DEFAULT 0,
    "last_heartbeat_at" TIMESTAMPTZ(3),
    "state_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "enrolled_at" TIMESTAMPTZ(3),
    "generation" BIGINT NOT NULL DEFAULT nextval('host_generation'::regclass),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "hosts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "allocations" (
    "id" UUID NOT NULL,
    "vm_id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "vcpus" INTEGER NOT NULL,
    "memory_mb" INTEGER NOT NULL,
    "disk_gb" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "allocations_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "server_groups" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "policy" "ServerGroupPolicy" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "server_groups_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "vms" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "state" "VmState" NOT NULL DEFAULT 'pending',
    "power_state" "PowerState" NOT NULL DEFAULT 'none',
    "host_id" UUID,
    "pool_id" UUID,
    "flavor_id" UUID NOT NULL,
    "image_id" UUID NOT NULL,
    "guest_type" "GuestType" NOT NULL,
    "vcpus" INTEGER NOT NULL,
    "memory_mb" INTEGER NOT NULL,
    "disk_gb" INTEGER NOT NULL,
    "ha_priority" "HaPriority" NOT NULL DEFAULT 'none',
    "server_group_id" UUID,
    "expires_at" TIMESTAMPTZ(3),
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "user_data" TEXT,
    "epoch" INTEGER NOT NULL DEFAULT 0,
    "dom_id" INTEGER,
    "error_code" TEXT,
    "error_message" TEXT,
    "state_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),
    CONSTRAINT "vms_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "operations" (
    "id" UUID NOT NULL,
    "kind" "OperationKind" NOT NULL,
    "status" "OperationStatus" NOT NULL DEFAULT 'queued',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "project_id" UUID,
    "vm_id" UUID,
    "host_id" UUID,
    "step" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "params" JSONB NOT NULL DEFAULT '{}',
    "error_code" TEXT,
    "error_message" TEXT,
    "error_details" JSONB,
    "correlation_id" TEXT,
    "requested_by" UUID,
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "operations_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "idempotency_records" (
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status" INTEGER,
    "body" JSONB,
    "locked_until" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("scope", "key")
);

CREATE TABLE "enrollment_tokens" (
    "id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "pool_id" UUID NOT NULL,
    "host_name" TEXT,
    "created_by" UUID,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "host_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "enrollment_tokens_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID,
    "resource_type" TEXT NOT NULL,
    "resource_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "projects_name_key" ON "projects"("name");
CREATE UNIQUE INDEX "tokens_token_hash_key" ON "tokens"("token_hash");
CREATE INDEX "tokens_project_id_idx" ON "tokens"("project_id");
CREATE UNIQUE INDEX "flavors_name_key" ON "flavors"("name");
CREATE UNIQUE INDEX "images_name_key" ON "images"("name");
CREATE UNIQUE INDEX "pools_name_key" ON "pools"("name");
CREATE UNIQUE INDEX "hosts_name_key" ON "hosts"("name");
CREATE INDEX "hosts_pool_id_idx" ON "hosts"("pool_id");
CREATE INDEX "hosts_generation_idx" ON "hosts"("generation");
CREATE UNIQUE INDEX "allocations_vm_id_host_id_key" ON "allocations"("vm_id", "host_id");
CREATE INDEX "allocations_host_id_idx" ON "allocations"("host_id");
CREATE UNIQUE INDEX "server_groups_project_id_name_key" ON "server_groups"("project_id", "name");
CREATE INDEX "vms_project_id_created_at_id_idx" ON "vms"("project_id", "created_at", "id");
CREATE INDEX "vms_host_id_idx" ON "vms"("host_id");
CREATE INDEX "vms_state_idx" ON "vms"("state");
CREATE INDEX "vms_expires_at_idx" ON "vms"("expires_at");
CREATE INDEX "vms_server_group_id_idx" ON "vms"("server_group_id");
CREATE INDEX "operations_status_updated_at_idx" ON "operations"("status", "updated_at");
CREATE INDEX "operations_vm_id_created_at_idx" ON "operations"("vm_id", "created_at");
CREATE INDEX "operations_project_id_created_at_idx" ON "operations"("project_id", "created_at");
CREATE INDEX "idempotency_records_expires_at_idx" ON "idempotency_records"("expires_at");
CREATE UNIQUE INDEX "enrollment_tokens_token_hash_key" ON "enrollment_tokens"("token_hash");
CREATE INDEX "events_project_id_id_idx" ON "events"("project_id", "id");
CREATE INDEX "events_created_at_idx" ON "events"("created_at");

-- AddForeignKey
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "server_groups" ADD CONSTRAINT "server_groups_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "vms" ADD CONSTRAINT "vms_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "vms" ADD CONSTRAINT "vms_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "vms" ADD CONSTRAINT "vms_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "vms" ADD CONSTRAINT "vms_flavor_id_fkey" FOREIGN KEY ("flavor_id") REFERENCES "flavors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "vms" ADD CONSTRAINT "vms_image_id_fkey" FOREIGN KEY ("image_id") REFERENCES "images"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "vms" ADD CONSTRAINT "vms_server_group_id_fkey" FOREIGN KEY ("server_group_id") REFERENCES "server_groups"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "operations" ADD CONSTRAINT "operations_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Usage counters never go below zero and never above what a host offers: a second line of
-- defence behind the conditional claim (Prisma's schema cannot say this; see libs/db drift test).
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_usage_non_negative" CHECK ("used_vcpus" >= 0 AND "used_memory_mb" >= 0 AND "used_disk_gb" >= 0 AND "used_instances" >= 0);
ALTER TABLE "projects" ADD CONSTRAINT "projects_usage_non_negative" CHECK ("used_instances" >= 0 AND "used_vcpus" >= 0 AND "used_memory_mb" >= 0 AND "used_disk_gb" >= 0);

-- Every change to a host row that placement cares about takes a new generation, whoever makes
-- it (claims included), so the schedulers' capacity caches refresh incrementally. Heartbeats
-- alone (last_heartbeat_at, free memory) do not: 10,000 hosts beating every 2 s must not
-- make every cache re-read every host.
CREATE FUNCTION "hosts_bump_generation"() RETURNS trigger AS $$
BEGIN
  IF (NEW.state, NEW.pool_id, NEW.total_vcpus, NEW.total_memory_mb, NEW.total_disk_gb,
      NEW.reserved_vcpus, NEW.reserved_memory_mb, NEW.reserved_disk_gb,
      NEW.used_vcpus, NEW.used_memory_mb, NEW.used_disk_gb, NEW.used_instances,
      NEW.hvm, NEW.cpu_vendor, NEW.cpu_features)
     IS DISTINCT FROM
     (OLD.state, OLD.pool_id, OLD.total_vcpus, OLD.total_memory_mb, OLD.total_disk_gb,
      OLD.reserved_vcpus, OLD.reserved_memory_mb, OLD.reserved_disk_gb,
      OLD.used_vcpus, OLD.used_memory_mb, OLD.used_disk_gb, OLD.used_instances,
      OLD.hvm, OLD.cpu_vendor, OLD.cpu_features) THEN
    NEW.generation := nextval('host_generation');
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER "hosts_bump_generation" BEFORE UPDATE ON "hosts" FOR EACH ROW EXECUTE FUNCTION "hosts_bump_generation"();

-- Lets one SQL statement abort itself (and undo every write it made) when a condition it
-- computed fails: the single-round-trip placement claim uses it.
CREATE FUNCTION "xenplane_abort"(reason TEXT) RETURNS BIGINT AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'XP001', MESSAGE = reason;
END;
$$ LANGUAGE plpgsql;
