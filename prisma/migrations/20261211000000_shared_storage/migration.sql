-- Shared storage (docs/STORAGE.md, "Shared storage"): a `shared` storage pool is a block device
-- every host of the pool sees at the same path (a LUN), carved into one extent per disk. The
-- control plane (the one writer) records each disk's extent; the agent of whichever host runs
-- the VM maps it. `local` storage pools have neither a device nor a capacity.

ALTER TABLE "storage_pools" ADD COLUMN "device_path" TEXT;
ALTER TABLE "storage_pools" ADD COLUMN "capacity_gb" INTEGER;
ALTER TABLE "storage_pools" ADD CONSTRAINT "storage_pools_shared_has_device"
  CHECK (("kind" = 'shared') = ("device_path" IS NOT NULL AND "capacity_gb" IS NOT NULL AND "capacity_gb" > 0));

-- where the disk's extent starts on its shared storage pool's device, in MiB; null for a local
-- disk and for a shared one not built yet
ALTER TABLE "disks" ADD COLUMN "offset_mb" BIGINT;
CREATE INDEX "disks_extents" ON "disks"("storage_pool_id", "offset_mb") WHERE "offset_mb" IS NOT NULL;
