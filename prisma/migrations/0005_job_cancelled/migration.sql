-- Jobs (and builds) the hub cancelled midway end as `cancelled` (issue 6's task centre).
ALTER TYPE "JobStatus" ADD VALUE IF NOT EXISTS 'cancelled';
