-- Tokens may expire: after expires_at a token no longer authenticates (null: never).
ALTER TABLE "tokens" ADD COLUMN "expires_at" TIMESTAMPTZ(3);

-- The prefix shown to tell tokens apart is kept only of secrets the API generated. A secret a
-- person chose (XENPLANE_ADMIN_TOKEN) keeps none: its first characters may be much of it, or of
-- a password used elsewhere. Global tokens are only ever made at bootstrap (from
-- XENPLANE_ADMIN_TOKEN or generated, which the database cannot tell apart) or by npm start
-- (devcloud-admin, from .xenplane/admin-token or XENPLANE_ADMIN_TOKEN): forget all their prefixes.
ALTER TABLE "tokens" ALTER COLUMN "prefix" DROP NOT NULL;
UPDATE "tokens" SET "prefix" = NULL WHERE "project_id" IS NULL;
