import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Prisma } from '@drydock/db';
import type { BuildContextSource } from '@drydock/protocol';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { dispatchJob, startJob } from './jobs.js';
import type { Principal } from './principal.js';

/** A git context as `docker build URL#REF:DIR` names it. */
export interface GitContext {
  url: string;
  ref?: string | undefined;
  subdir?: string | undefined;
}

/** Splits Docker's `URL#REF:DIR` form. */
export function parseGitContext(text: string): GitContext {
  const hash = text.indexOf('#');
  if (hash < 0) return { url: text };
  const [ref, subdir] = text.slice(hash + 1).split(':', 2);
  return { url: text.slice(0, hash), ref: ref || undefined, subdir: subdir || undefined };
}

export interface BuildInput {
  hostId: string;
  /** The context as a tar (plain or gzip) or a bare Dockerfile, or a git repository the agent fetches. */
  context: Buffer | { git: GitContext };
  dockerfile?: string | undefined;
  /** The editor's Dockerfile text when the build was typed in (kept with the build record). */
  dockerfileText?: string | undefined;
  tags: string[];
  buildArgs: Record<string, string>;
  noCache?: boolean | undefined;
}

type JobContext = BuildContextSource;

const uploadPath = (hub: Hub, jobId: string) => join(hub.uploadsDir, `${jobId}.tar`);

/**
 * Starts a build on a host: keeps the context where the agent fetches it
 * (GET /api/agent/uploads/<job>, host token), records the build and sends the job.
 */
export async function startBuild(hub: Hub, by: Principal, input: BuildInput) {
  const jobId = `job_${randomBytes(12).toString('hex')}`;
  const ctx = input.context;
  let context: JobContext;
  if (Buffer.isBuffer(ctx)) {
    if (ctx.length === 0) throw new ApiError('bad-request', 'the build context is empty');
    mkdirSync(hub.uploadsDir, { recursive: true, mode: 0o700 });
    writeFileSync(uploadPath(hub, jobId), ctx, { mode: 0o600 });
    context = { kind: 'url', url: `${hub.agentUrl()}/api/agent/uploads/${jobId}` };
  } else {
    if (!ctx.git.url) throw new ApiError('bad-request', 'a git context needs a URL');
    context = { kind: 'git', url: ctx.git.url, ...(ctx.git.ref ? { ref: ctx.git.ref } : {}), ...(ctx.git.subdir ? { subdir: ctx.git.subdir } : {}) };
  }
  try {
    const { job, spec, host } = await startJob(
      hub,
      by,
      input.hostId,
      {
        kind: 'image.build',
        context,
        ...(input.dockerfile ? { dockerfile: input.dockerfile } : {}),
        tags: input.tags,
        buildArgs: input.buildArgs,
        noCache: input.noCache ?? false,
      },
      { jobId },
    );
    const build = await hub.prisma.build.create({
      data: {
        jobId: job.id,
        hostId: host.id,
        actor: job.actor,
        userId: by.userId,
        dockerfile: input.dockerfileText ?? null,
        dockerfilePath: input.dockerfile ?? 'Dockerfile',
        contextDigest: Buffer.isBuffer(ctx) ? `sha256:${createHash('sha256').update(ctx).digest('hex')}` : `git:${ctx.git.url}#${ctx.git.ref ?? ''}:${ctx.git.subdir ?? ''}`,
        contextSize: BigInt(Buffer.isBuffer(ctx) ? ctx.length : 0),
        tags: input.tags,
        buildArgs: input.buildArgs,
      },
    });
    await dispatchJob(hub, job, spec);
    hub.bus.emit('changed', { topic: 'builds', hostId: host.id });
    return { id: build.id, jobId: job.id };
  } catch (err) {
    rmSync(uploadPath(hub, jobId), { force: true });
    throw err;
  }
}

/** The context of a job for the agent that runs it; null when unknown or another host's. */
export async function readUpload(hub: Hub, hostId: string, jobId: string): Promise<Buffer | null> {
  if (!/^job_[0-9a-f]{24}$/.test(jobId)) return null;
  const job = await hub.prisma.job.findUnique({ where: { id: jobId } });
  if (!job || job.hostId !== hostId) return null;
  try {
    return readFileSync(uploadPath(hub, jobId));
  } catch {
    return null;
  }
}

function buildView(b: {
  id: string; hostId: string; host: { name: string }; actor: string; status: string; tags: string[]; imageId: string | null; error: string | null;
  dockerfile: string | null; dockerfilePath: string; contextDigest: string; contextSize: bigint; buildArgs: unknown; createdAt: Date; startedAt: Date | null; finishedAt: Date | null; jobId: string;
}) {
  return {
    id: b.id,
    jobId: b.jobId,
    hostId: b.hostId,
    host: b.host.name,
    actor: b.actor,
    status: b.status as 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled',
    tags: b.tags,
    imageId: b.imageId,
    error: b.error,
    dockerfile: b.dockerfile,
    dockerfilePath: b.dockerfilePath,
    contextDigest: b.contextDigest,
    contextSize: Number(b.contextSize),
    buildArgs: b.buildArgs as Record<string, string>,
    createdAt: b.createdAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
  };
}

export async function listBuilds(prisma: Prisma, opts: { take?: number | undefined; imageId?: string | undefined }) {
  const rows = await prisma.build.findMany({
    where: opts.imageId ? { imageId: opts.imageId } : {},
    orderBy: { createdAt: 'desc' },
    take: opts.take ?? 50,
    include: { host: { select: { name: true } } },
  });
  return rows.map(buildView);
}

/** A build with its steps and, when asked, every log line (whole, in order). */
export async function getBuild(prisma: Prisma, id: string, opts: { logs?: boolean } = {}) {
  const b = await prisma.build.findUnique({
    where: { id },
    include: { host: { select: { name: true } }, steps: { orderBy: { index: 'asc' } } },
  });
  if (!b) throw new ApiError('not-found', `no build ${id}`);
  const logs = opts.logs ? await prisma.buildLog.findMany({ where: { buildId: id }, orderBy: { seq: 'asc' }, select: { seq: true, step: true, line: true } }) : undefined;
  return {
    ...buildView(b),
    steps: b.steps.map((s) => ({ index: s.index, name: s.name, cached: s.cached, status: s.status, durationMs: s.durationMs })),
    ...(logs ? { logs } : {}),
  };
}
