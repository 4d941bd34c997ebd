-- Set while more than half of a pool's hosts are silent at once: the control plane then assumes
-- it is the one cut off, declares nobody dead and restarts nothing until they answer again.
ALTER TABLE "pools" ADD COLUMN "partitioned_since" TIMESTAMPTZ(3);

-- HA restarts waiting for their turn (a higher priority goes first) or for capacity are looked
-- up by kind and status on every attempt.
CREATE INDEX "operations_kind_status_idx" ON "operations"("kind", "status");
