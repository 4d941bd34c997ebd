-- Quorum fencing (docs/HA.md): where a host's pool peers reach its agent (its pool network; null:
-- its address), and the witnesses it last heard of from a heartbeat it answered: the peers the
-- control plane asks before declaring it dead, the same ones it asks before keeping its VMs.
ALTER TABLE "hosts" ADD COLUMN "peer_address" TEXT;
ALTER TABLE "hosts" ADD COLUMN "witness_ids" UUID[] NOT NULL DEFAULT '{}';
