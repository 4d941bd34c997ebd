-- Host certificate renewal (docs/OPERATIONS.md, "Certificate rotation"): when a host's
-- certificate expires, and whether an operator asked for it to be renewed now. Hosts enrolled
-- before have no recorded expiry: the scheduler renews theirs at its first look (and so learns it).

ALTER TABLE "hosts" ADD COLUMN "cert_expires_at" TIMESTAMPTZ(3);
ALTER TABLE "hosts" ADD COLUMN "cert_renewal_requested_at" TIMESTAMPTZ(3);
