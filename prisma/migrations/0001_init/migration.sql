-- The hub's first schema (matches prisma/schema.prisma; written in Prisma's
-- naming so `prisma migrate diff` against it is empty).

CREATE TYPE "Role" AS ENUM ('admin', 'operator', 'viewer');
CREATE TYPE "HostTokenKind" AS ENUM ('enroll', 'host');
CREATE TYPE "JobStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

CREATE TABLE "Host" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "facts" JSONB,
    "agentVersion" TEXT,
    "connected" BOOLEAN NOT NULL DEFAULT false,
    "lastSeenAt" TIMESTAMP(3),
    "journalSeq" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

CREATE TABLE "HostToken" (
    "id" TEXT NOT NULL,
    "kind" "HostTokenKind" NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "hostId" TEXT,
    "hostName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" TIMESTAMP(3),
    CONSTRAINT "HostToken_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "HostToken_tokenHash_key" ON "HostToken"("tokenHash");

CREATE TABLE "Image" (
    "id" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "imageId" TEXT NOT NULL,
    "parentId" TEXT,
    "repoTags" TEXT[],
    "repoDigests" TEXT[],
    "created" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "labels" JSONB NOT NULL,
    "intermediate" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Image_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Image_imageId_idx" ON "Image"("imageId");
CREATE UNIQUE INDEX "Image_hostId_imageId_key" ON "Image"("hostId", "imageId");

CREATE TABLE "Container" (
    "id" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "containerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "image" TEXT NOT NULL,
    "imageId" TEXT NOT NULL,
    "command" TEXT NOT NULL,
    "createdMs" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "exitCode" INTEGER NOT NULL,
    "startedAt" TEXT NOT NULL,
    "finishedAt" TEXT NOT NULL,
    "ports" TEXT[],
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Container_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Container_hostId_containerId_key" ON "Container"("hostId", "containerId");

CREATE TABLE "Job" (
    "id" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "actor" TEXT NOT NULL,
    "userId" TEXT,
    "status" "JobStatus" NOT NULL DEFAULT 'queued',
    "lastSeq" INTEGER NOT NULL DEFAULT 0,
    "progress" JSONB,
    "result" JSONB,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Job_status_idx" ON "Job"("status");
CREATE INDEX "Job_createdAt_idx" ON "Job"("createdAt");

CREATE TABLE "Build" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "userId" TEXT,
    "status" "JobStatus" NOT NULL DEFAULT 'queued',
    "dockerfile" TEXT,
    "dockerfilePath" TEXT NOT NULL DEFAULT 'Dockerfile',
    "contextDigest" TEXT NOT NULL,
    "contextSize" BIGINT NOT NULL,
    "tags" TEXT[],
    "buildArgs" JSONB NOT NULL,
    "imageId" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    CONSTRAINT "Build_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Build_jobId_key" ON "Build"("jobId");
CREATE INDEX "Build_imageId_idx" ON "Build"("imageId");
CREATE INDEX "Build_createdAt_idx" ON "Build"("createdAt");

CREATE TABLE "BuildStep" (
    "id" TEXT NOT NULL,
    "buildId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "cached" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    CONSTRAINT "BuildStep_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "BuildStep_buildId_index_key" ON "BuildStep"("buildId", "index");

CREATE TABLE "BuildLog" (
    "id" BIGSERIAL NOT NULL,
    "buildId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "step" INTEGER,
    "line" TEXT NOT NULL,
    CONSTRAINT "BuildLog_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "BuildLog_buildId_seq_idx" ON "BuildLog"("buildId", "seq");

CREATE TABLE "Registry" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "username" TEXT,
    "secretEnc" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Registry_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Registry_name_key" ON "Registry"("name");

CREATE TABLE "AuditLog" (
    "id" BIGSERIAL NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "actorName" TEXT,
    "action" TEXT NOT NULL,
    "hostId" TEXT,
    "hostName" TEXT,
    "target" TEXT,
    "digest" TEXT,
    "params" JSONB NOT NULL,
    "outcome" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "AuditLog_hash_key" ON "AuditLog"("hash");
CREATE INDEX "AuditLog_action_idx" ON "AuditLog"("action");
CREATE INDEX "AuditLog_actor_idx" ON "AuditLog"("actor");
CREATE INDEX "AuditLog_hostName_idx" ON "AuditLog"("hostName");
CREATE INDEX "AuditLog_target_idx" ON "AuditLog"("target");
CREATE INDEX "AuditLog_createdAt_idx" ON "AuditLog"("createdAt");

ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "HostToken" ADD CONSTRAINT "HostToken_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Image" ADD CONSTRAINT "Image_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Container" ADD CONSTRAINT "Container_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Job" ADD CONSTRAINT "Job_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Build" ADD CONSTRAINT "Build_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Build" ADD CONSTRAINT "Build_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BuildStep" ADD CONSTRAINT "BuildStep_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "Build"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BuildLog" ADD CONSTRAINT "BuildLog_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "Build"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The audit log is append-only: no UPDATE, DELETE or TRUNCATE, whoever asks.
CREATE FUNCTION drydock_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'AuditLog is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER "AuditLog_no_update_delete" BEFORE UPDATE OR DELETE ON "AuditLog"
  FOR EACH ROW EXECUTE FUNCTION drydock_audit_append_only();
CREATE TRIGGER "AuditLog_no_truncate" BEFORE TRUNCATE ON "AuditLog"
  FOR EACH STATEMENT EXECUTE FUNCTION drydock_audit_append_only();
