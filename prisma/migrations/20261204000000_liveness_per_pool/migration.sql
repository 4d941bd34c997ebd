-- Liveness is judged per pool: how often its hosts are asked for a heartbeat, and how long a
-- silent host stays placeable (suspect) and before it may be declared dead. Placement and the
-- claim read a host's heartbeat age against its pool's suspect timeout.
ALTER TABLE "pools" ADD COLUMN "heartbeat_interval_ms" INTEGER NOT NULL DEFAULT 2000;
ALTER TABLE "pools" ADD COLUMN "suspect_after_ms" INTEGER NOT NULL DEFAULT 6000;
ALTER TABLE "pools" ADD COLUMN "dead_after_ms" INTEGER NOT NULL DEFAULT 12000;
ALTER TABLE "pools" ADD CONSTRAINT "pools_liveness_check"
  CHECK ("heartbeat_interval_ms" >= 100 AND "suspect_after_ms" >= 2 * "heartbeat_interval_ms" AND "dead_after_ms" > "suspect_after_ms");

-- A silent host its pool peers still reach: an alert, not a death (nothing of it is restarted).
ALTER TYPE "HostState" ADD VALUE 'unreachable' AFTER 'suspect';
