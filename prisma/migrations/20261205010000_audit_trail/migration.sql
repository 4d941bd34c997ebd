-- The audit trail (docs/API.md, "Audit trail"): one row per change asked of the API, refused or
-- not. No foreign keys: a row outlives the token, project and resources it names.
CREATE TABLE "audit_entries" (
    "id" UUID NOT NULL,
    "actor_type" TEXT NOT NULL,
    "token_id" UUID,
    "token_name" TEXT,
    "role" "Role",
    "project_id" UUID,
    "enrollment_token_id" UUID,
    "method" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "resource_type" TEXT NOT NULL,
    "resource_ids" UUID[] NOT NULL DEFAULT '{}',
    "operation_ids" UUID[] NOT NULL DEFAULT '{}',
    "summary" JSONB NOT NULL DEFAULT '{}',
    "status" INTEGER NOT NULL,
    "problem_code" TEXT,
    "correlation_id" TEXT,
    "source_address" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "audit_entries_created_at_id_idx" ON "audit_entries"("created_at", "id");
CREATE INDEX "audit_entries_token_id_created_at_idx" ON "audit_entries"("token_id", "created_at");
CREATE INDEX "audit_entries_project_id_created_at_idx" ON "audit_entries"("project_id", "created_at");
CREATE INDEX "audit_entries_resource_ids_idx" ON "audit_entries" USING GIN ("resource_ids");

-- Append-only: no row is ever changed or removed, whoever asks (the API, a script, a psql
-- session), short of a table owner disabling this trigger on purpose. A statement trigger, so
-- even an UPDATE or DELETE that matches no row is refused. Pruning is an operator's TRUNCATE
-- (which these triggers do not see) after exporting what must be kept: docs/API.md.
CREATE FUNCTION "audit_entries_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'prune with TRUNCATE (docs/API.md, Audit trail)';
END;
$$;

CREATE TRIGGER "audit_entries_append_only"
    BEFORE UPDATE OR DELETE ON "audit_entries"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_entries_append_only"();
