-- Storage (issue 15): storage pools per pool, images uploaded through the API, each VM's disks
-- (a copy-on-write root disk of its image and data disks), snapshots, clones.

ALTER TYPE "OperationKind" ADD VALUE 'snapshot';
ALTER TYPE "OperationKind" ADD VALUE 'snapshot_revert';
ALTER TYPE "OperationKind" ADD VALUE 'snapshot_delete';
ALTER TYPE "OperationKind" ADD VALUE 'clone';

CREATE TYPE "StorageKind" AS ENUM ('local', 'shared');
CREATE TYPE "ImageStatus" AS ENUM ('pending', 'active', 'deleted');
CREATE TYPE "DiskKind" AS ENUM ('root', 'data');
CREATE TYPE "SnapshotState" AS ENUM ('creating', 'available', 'reverting', 'deleting', 'error');

ALTER TABLE "images" ADD COLUMN "project_id" UUID;
ALTER TABLE "images" ADD COLUMN "status" "ImageStatus" NOT NULL DEFAULT 'active';
ALTER TABLE "images" ADD COLUMN "size_bytes" BIGINT;
ALTER TABLE "images" ADD COLUMN "sha256" TEXT;
ALTER TABLE "images" ADD COLUMN "uploaded_at" TIMESTAMPTZ(3);

ALTER TABLE "vms" ADD COLUMN "cloned_from_id" UUID;

CREATE TABLE "storage_pools" (
    "id" UUID NOT NULL,
    "pool_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "StorageKind" NOT NULL DEFAULT 'local',
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "storage_pools_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "storage_pools_pool_id_name_key" ON "storage_pools"("pool_id", "name");
-- a pool has at most one default storage pool
CREATE UNIQUE INDEX "storage_pools_one_default_per_pool" ON "storage_pools"("pool_id") WHERE "is_default";
ALTER TABLE "storage_pools" ADD CONSTRAINT "storage_pools_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "disks" (
    "id" UUID NOT NULL,
    "vm_id" UUID NOT NULL,
    -- null until a VM created without a pool is placed (its claim sets its pool's default)
    "storage_pool_id" UUID,
    "kind" "DiskKind" NOT NULL,
    "device" TEXT NOT NULL,
    "size_gb" INTEGER NOT NULL,
    "image_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "disks_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "disks_vm_id_device_key" ON "disks"("vm_id", "device");
CREATE INDEX "disks_image_id_idx" ON "disks"("image_id");
ALTER TABLE "disks" ADD CONSTRAINT "disks_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "disks" ADD CONSTRAINT "disks_storage_pool_id_fkey" FOREIGN KEY ("storage_pool_id") REFERENCES "storage_pools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "disks" ADD CONSTRAINT "disks_image_id_fkey" FOREIGN KEY ("image_id") REFERENCES "images"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE "vm_snapshots" (
    "id" UUID NOT NULL,
    "vm_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "state" "SnapshotState" NOT NULL DEFAULT 'creating',
    "size_bytes" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vm_snapshots_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "vm_snapshots_vm_id_name_key" ON "vm_snapshots"("vm_id", "name");
ALTER TABLE "vm_snapshots" ADD CONSTRAINT "vm_snapshots_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- every pool that exists gets its local storage pool (new pools get one when they are made)
INSERT INTO "storage_pools" ("id", "pool_id", "name", "kind", "is_default")
SELECT gen_random_uuid(), "id", 'local', 'local', true FROM "pools";
