-- Indexes for the audit and inventory queries at scale (issue 6: under 50 ms
-- with 1,000,000 audit rows and 100,000 images; bench/hub.ts measures them).

-- Substring filters (`target`, `actor` contain …) are LIKE '%…%': a btree cannot
-- serve them, a trigram GIN index can (for three characters or more; shorter
-- ones match so many rows that the newest-first id scan finds a page at once).
-- pg_trgm is a trusted extension: the database owner may create it. PGlite
-- loads it from its contrib bundle (packages/db/src/connect.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "AuditLog_target_trgm_idx" ON "AuditLog" USING GIN ("target" gin_trgm_ops);
CREATE INDEX "AuditLog_actor_trgm_idx" ON "AuditLog" USING GIN ("actor" gin_trgm_ops);
CREATE INDEX "AuditLog_actorName_trgm_idx" ON "AuditLog" USING GIN ("actorName" gin_trgm_ops);

-- Images across hosts, newest first: the page is read off the index instead of
-- sorting every row. One host's images keep using ("hostId", "imageId").
CREATE INDEX "Image_intermediate_created_idx" ON "Image"("intermediate", "created" DESC);
