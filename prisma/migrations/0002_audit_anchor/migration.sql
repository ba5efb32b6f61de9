-- Audit retention: old rows move to an archive file; an anchor row keeps the
-- hash of the last archived row so the chain still verifies from there.

CREATE TABLE "AuditAnchor" (
    "id" BIGSERIAL NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "archivedThrough" BIGINT NOT NULL,
    "lastHash" TEXT NOT NULL,
    "rows" INTEGER NOT NULL,
    "file" TEXT NOT NULL,
    "fileSha256" TEXT NOT NULL,
    CONSTRAINT "AuditAnchor_pkey" PRIMARY KEY ("id")
);

-- Still append-only, with one exception: DELETE of AuditLog rows an anchor already covers.
CREATE OR REPLACE FUNCTION drydock_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'AuditLog'
     AND OLD.id <= COALESCE((SELECT max("archivedThrough") FROM "AuditAnchor"), 0) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditAnchor_no_update_delete" BEFORE UPDATE OR DELETE ON "AuditAnchor"
  FOR EACH ROW EXECUTE FUNCTION drydock_audit_append_only();
CREATE TRIGGER "AuditAnchor_no_truncate" BEFORE TRUNCATE ON "AuditAnchor"
  FOR EACH STATEMENT EXECUTE FUNCTION drydock_audit_append_only();
