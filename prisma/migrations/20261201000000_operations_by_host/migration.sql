-- an evacuation (and an operator) looks up the open operations of one host
CREATE INDEX "operations_host_id_status_idx" ON "operations"("host_id", "status");
