-- Operations' timelines (issue 18, GET /v1/operations/:id/timeline): each step of an operation as
-- the process that did it recorded it when it ended, one row per span of the operation's trace.
-- A create writes about ten. Rows go with their operation (cascade) and, through the index on
-- started_at, with the scheduler's GC after EVENT_RETENTION_DAYS, as the operation's events do.

CREATE TABLE "operation_steps" (
    "operation_id" UUID NOT NULL,
    "span_id" TEXT NOT NULL,
    "parent_span_id" TEXT,
    "trace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "side" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_ms" DOUBLE PRECISION NOT NULL,
    "failed" BOOLEAN NOT NULL DEFAULT false,
    "attributes" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "operation_steps_pkey" PRIMARY KEY ("operation_id","span_id")
);

CREATE INDEX "operation_steps_started_at_idx" ON "operation_steps"("started_at");

ALTER TABLE "operation_steps" ADD CONSTRAINT "operation_steps_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
