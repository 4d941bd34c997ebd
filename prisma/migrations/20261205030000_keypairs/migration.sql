-- Getting into a VM (issue 15): a project's named SSH public keys, and the keys each VM was
-- created with (resolved from keypairs and literal keys at creation). The VM's user-data was
-- already stored (vms.user_data); both now reach the guest through a NoCloud config drive.

CREATE TABLE "keypairs" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "keypairs_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "keypairs_project_id_name_key" ON "keypairs"("project_id", "name");

ALTER TABLE "keypairs" ADD CONSTRAINT "keypairs_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- NOT NULL with a constant default: no table rewrite on PostgreSQL 11 and later
ALTER TABLE "vms" ADD COLUMN "ssh_keys" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
