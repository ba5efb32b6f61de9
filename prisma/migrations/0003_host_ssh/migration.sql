-- Hosts enrolled over SSH (issue 7): address, sealed credentials, pinned host key.
CREATE TABLE "HostSsh" (
    "hostId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 22,
    "username" TEXT NOT NULL,
    "auth" TEXT NOT NULL,
    "secretEnc" TEXT NOT NULL,
    "hostKeyFingerprint" TEXT,
    "pendingFingerprint" TEXT,
    "hubUrl" TEXT NOT NULL,
    "mode" TEXT,
    "bundleVersion" TEXT,
    "bundleSha256" TEXT,
    "lastOperation" TEXT,
    "lastSteps" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "HostSsh_pkey" PRIMARY KEY ("hostId")
);
ALTER TABLE "HostSsh" ADD CONSTRAINT "HostSsh_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
