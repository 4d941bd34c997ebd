-- Pools' usage history (issue 17, the console's pool plots): the scheduler files each pool's
-- capacity and usage once per sampling interval (the slot is part of the key: a repeated tick
-- overwrites its slot, never adds a row) and deletes samples past their retention through the
-- index on "at". A minute's interval over 7 days: 10,080 rows per pool at most.

CREATE TABLE "pool_usage_samples" (
    "pool_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "capacity_vcpus" INTEGER NOT NULL,
    "capacity_memory_mb" BIGINT NOT NULL,
    "capacity_disk_gb" BIGINT NOT NULL,
    "used_vcpus" INTEGER NOT NULL,
    "used_memory_mb" BIGINT NOT NULL,
    "used_disk_gb" BIGINT NOT NULL,
    "used_instances" INTEGER NOT NULL,

    CONSTRAINT "pool_usage_samples_pkey" PRIMARY KEY ("pool_id","at")
);

CREATE INDEX "pool_usage_samples_at_idx" ON "pool_usage_samples"("at");

ALTER TABLE "pool_usage_samples" ADD CONSTRAINT "pool_usage_samples_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE CASCADE ON UPDATE CASCADE;
