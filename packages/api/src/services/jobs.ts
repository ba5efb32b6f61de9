import { appendAudit, type Prisma } from '@drydock/db';
import { CANCELLABLE_JOB_KINDS, jobSpecSchema, SESSION_JOB_KINDS, type JobEventEnvelope, type JobSpec, type JobSpecInput } from '@drydock/protocol';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { getHost } from './hosts.js';
import { actorOf, hasRole, type Principal } from './principal.js';
import { withRegistryAccess } from './registry-access.js';

/**
 * Kinds the engine records in the host's journal itself (the agent ships the
 * journal and the hub audits those rows); the hub audits the others when the
 * job ends, and every failure.
 */
const JOURNALED = new Set(['image.build', 'image.tag', 'image.rm', 'image.import', 'image.load', 'image.save', 'container.run', 'container.stop', 'container.rm', 'container.commit', 'container.export', 'container.exec']);

/** The reference a job acts on, for the audit's target column. */
function jobTarget(spec: JobSpec): string | null {
  switch (spec.kind) {
    case 'image.build':
      return spec.tags.join(' ') || null;
    case 'image.pull':
    case 'image.push':
    case 'image.rm':
      return spec.ref;
    case 'image.tag':
      return spec.target;
    case 'image.import':
      return spec.ref ?? null;
    case 'image.save':
      return spec.refs.join(' ');
    case 'container.run':
      return spec.image;
    case 'image.load':
      return null;
    default:
      return spec.container;
  }
}

/** What a job spec looks like in the database: no headers or credentials, bytes as a marker. */
function storedSpec(spec: JobSpec): object {
  return JSON.parse(JSON.stringify(spec, (k, v: unknown) => (k === 'headers' || k === 'credentials' ? undefined : v instanceof Uint8Array ? '[bytes]' : v))) as object;
}

/**
 * Refuses (and audits the refusal of) a job for anyone below operator: also
 * called before a large upload is read, so a viewer's bytes are not kept.
 */
export async function requireOperator(hub: Hub, by: Principal, host: { id: string; name: string }, action: string, target: string | null): Promise<void> {
  if (hasRole(by, 'operator')) return;
  await appendAudit(hub.prisma, {
    actor: actorOf(by),
    actorName: by.email,
    action,
    hostId: host.id,
    hostName: host.name,
    target,
    params: { reason: `${by.role} may not run jobs` },
    outcome: 'denied',
  });
  hub.bus.emit('changed', { topic: 'audit' });
  throw new ApiError('forbidden', `operator role required to ${action} (you are ${by.role})`);
}

export interface StartJobOptions {
  /** The job's id (when the caller names it, e.g. in a sink URL); a cuid otherwise. */
  jobId?: string | undefined;
  /** Refuse (`unavailable`) when the host's agent is not connected, for jobs someone waits on. */
  requireOnline?: boolean | undefined;
}

/**
 * Queues a job for a host's agent: operators and admins only (a refusal is
 * audited). The job row exists before the agent hears of it, so its events
 * always find it.
 */
export async function startJob(hub: Hub, by: Principal, hostId: string, input: JobSpecInput, opts: StartJobOptions = {}) {
  const { jobId } = opts;
  const spec = jobSpecSchema.parse(input);
  const host = await getHost(hub.prisma, hostId);
  if (opts.requireOnline && !host.connected) throw new ApiError('unavailable', `host ${host.name} is offline`);
  await requireOperator(hub, by, host, spec.kind, jobTarget(spec));
  const job = await hub.prisma.job.create({
    data: { ...(jobId ? { id: jobId } : {}), hostId, kind: spec.kind, spec: storedSpec(spec), actor: actorOf(by), userId: by.userId },
  });
  return { job, spec, host };
}

/**
 * Sends a queued job to its host (again, after a reconnect: the agent runs
 * each id once), with the stored credentials of the registry it names.
 */
export async function dispatchJob(hub: Hub, job: { id: string; hostId: string; actor: string }, spec: JobSpec): Promise<void> {
  hub.agents.sendJob(job.hostId, { jobId: job.id, actor: job.actor, spec: await withRegistryAccess(hub, spec) });
  hub.bus.emit('changed', { topic: 'jobs', hostId: job.hostId });
}

/** Starts a job and sends it to its host's agent: the common case of startJob. */
export async function queueJob(hub: Hub, by: Principal, hostId: string, input: JobSpecInput, opts: StartJobOptions = {}): Promise<{ jobId: string }> {
  const { job, spec } = await startJob(hub, by, hostId, input, opts);
  await dispatchJob(hub, job, spec);
  return { jobId: job.id };
}

/**
 * Stores one numbered event of a job (a seq at or below the stored one is a
 * re-send and is dropped) and publishes it to browsers. Resolves to whether
 * it was new.
 */
export async function recordJobEvent(hub: Hub, hostId: string, env: JobEventEnvelope): Promise<boolean> {
  const prisma = hub.prisma;
  const job = await prisma.job.findUnique({ where: { id: env.jobId }, include: { build: { select: { id: true } }, host: { select: { name: true } } } });
  if (!job || job.hostId !== hostId) return true; // not ours to store: ack so the agent forgets it
  if (env.seq <= job.lastSeq) return false;
  const at = new Date(env.timeMs);
  const buildId = job.build?.id ?? null;
  const e = env.event;
  // A live session (followed logs, a terminal) ends when the browser closes it: that is its normal end.
  const closed = e.type === 'failed' && e.code === 'cancelled' && SESSION_JOB_KINDS.has(job.kind);
  const jobData: Parameters<Prisma['job']['update']>[0]['data'] = { lastSeq: env.seq };
  const buildData: Parameters<Prisma['build']['update']>[0]['data'] = {};
  switch (e.type) {
    case 'started':
      Object.assign(jobData, { status: 'running', startedAt: at });
      Object.assign(buildData, { status: 'running', startedAt: at });
      break;
    case 'step':
      if (buildId) {
        await prisma.buildStep.upsert({
          where: { buildId_index: { buildId, index: e.step } },
          create: { buildId, index: e.step, name: e.name, startedAt: at },
          update: { name: e.name, startedAt: at },
        });
      }
      break;
    case 'log':
      if (buildId) await prisma.buildLog.create({ data: { buildId, seq: env.seq, step: e.step, line: e.text } });
      break;
    case 'cached':
      if (buildId) await prisma.buildStep.updateMany({ where: { buildId, index: e.step }, data: { cached: true } });
      break;
    case 'step-done':
      if (buildId) await prisma.buildStep.updateMany({ where: { buildId, index: e.step }, data: { status: 'done', durationMs: e.durationMs } });
      break;
    case 'progress':
      jobData.progress = { label: e.label, bytes: e.bytes, total: e.total };
      break;
    case 'result':
      jobData.result = e.result as object;
      if (e.result.imageId) buildData.imageId = e.result.imageId;
      break;
    case 'done':
      Object.assign(jobData, { status: 'succeeded', finishedAt: at });
      Object.assign(buildData, { status: 'succeeded', finishedAt: at });
      break;
    case 'failed': {
      if (closed) {
        Object.assign(jobData, { status: 'succeeded', finishedAt: at });
        break;
      }
      const status = e.code === 'cancelled' ? 'cancelled' : 'failed';
      Object.assign(jobData, { status, finishedAt: at, error: e.message });
      Object.assign(buildData, { status, finishedAt: at, error: e.message });
      if (buildId && e.step !== null) await prisma.buildStep.updateMany({ where: { buildId, index: e.step }, data: { status } });
      break;
    }
  }
  const updated = await prisma.job.update({ where: { id: job.id }, data: jobData });
  if (buildId && Object.keys(buildData).length > 0) await prisma.build.update({ where: { id: buildId }, data: buildData });
  if ((e.type === 'failed' && !closed) || ((e.type === 'done' || closed) && !JOURNALED.has(job.kind))) {
    const result = (updated.result ?? {}) as { imageId?: string; digest?: string };
    const spec = jobSpecSchema.safeParse(job.spec);
    await appendAudit(prisma, {
      actor: job.actor,
      action: job.kind,
      hostId,
      hostName: job.host.name,
      target: spec.success ? jobTarget(spec.data) : null,
      digest: result.digest ?? result.imageId ?? null,
      params: { job: job.id, ...(closed ? { closed: true } : e.type === 'failed' ? { error: e.message, code: e.code } : {}) },
      outcome: e.type === 'failed' && !closed ? (e.code === 'cancelled' ? 'cancelled' : 'failure') : 'success',
      createdAt: at,
    });
    hub.bus.emit('changed', { topic: 'audit' });
  }
  hub.bus.emit('job', { jobId: job.id, hostId, buildId, kind: job.kind, seq: env.seq, timeMs: env.timeMs, event: e });
  if (e.type === 'started' || e.type === 'done' || e.type === 'failed' || e.type === 'progress') {
    hub.bus.emit('changed', { topic: 'jobs', hostId });
    if (buildId) hub.bus.emit('changed', { topic: 'builds', hostId });
  }
  return true;
}

/**
 * Asks the job's agent to stop it (operators and admins; a refusal is
 * audited, as is the request). The job ends `cancelled` when the agent's
 * `failed`/`cancelled` event arrives; one the agent never reported on (its
 * host offline) ends `cancelled` at once and is not sent again. One already
 * ended is a conflict.
 */
export async function cancelJob(hub: Hub, by: Principal, jobId: string): Promise<void> {
  const job = await hub.prisma.job.findUnique({ where: { id: jobId }, include: { host: { select: { name: true } } } });
  if (!job) throw new ApiError('not-found', `no job ${jobId}`);
  const spec = jobSpecSchema.safeParse(job.spec);
  const audit = (outcome: string, params: Record<string, unknown>) =>
    appendAudit(hub.prisma, {
      actor: actorOf(by),
      actorName: by.email,
      action: 'job.cancel',
      hostId: job.hostId,
      hostName: job.host.name,
      target: spec.success ? jobTarget(spec.data) : null,
      params: { job: job.id, kind: job.kind, ...params },
      outcome,
    }).then(() => hub.bus.emit('changed', { topic: 'audit' }));
  if (!hasRole(by, 'operator')) {
    await audit('denied', { reason: `${by.role} may not cancel jobs` });
    throw new ApiError('forbidden', `operator role required to cancel a job (you are ${by.role})`);
  }
  if (!CANCELLABLE_JOB_KINDS.has(job.kind)) throw new ApiError('bad-request', `a ${job.kind} job cannot be cancelled midway`);
  if (job.status !== 'running' && job.status !== 'queued') throw new ApiError('conflict', `job ${job.id} is ${job.status}`);
  if (!hub.agents.cancelJob) throw new ApiError('unavailable', 'this hub cannot reach agents to cancel jobs');
  await audit('success', {});
  hub.agents.cancelJob(job.hostId, job.id);
  const unheard = { status: 'cancelled' as const, finishedAt: new Date(), error: 'cancelled before it started' };
  const { count } = await hub.prisma.job.updateMany({ where: { id: job.id, status: 'queued', lastSeq: 0 }, data: unheard });
  if (count > 0) {
    await hub.prisma.build.updateMany({ where: { jobId: job.id }, data: unheard });
    hub.bus.emit('changed', { topic: 'jobs', hostId: job.hostId });
    hub.bus.emit('changed', { topic: 'builds', hostId: job.hostId });
  }
}

export async function listJobs(prisma: Prisma, opts: { active?: boolean | undefined; take?: number | undefined }) {
  const rows = await prisma.job.findMany({
    where: opts.active ? { status: { in: ['queued', 'running'] } } : {},
    orderBy: { createdAt: 'desc' },
    take: opts.take ?? 50,
    include: { host: { select: { name: true } }, build: { select: { id: true } } },
  });
  return rows.map((j) => ({
    id: j.id,
    hostId: j.hostId,
    host: j.host.name,
    kind: j.kind,
    actor: j.actor,
    status: j.status,
    /** Whether the agent can stop it midway (POST /api/v1/jobs/:id/cancel). */
    cancellable: CANCELLABLE_JOB_KINDS.has(j.kind),
    progress: j.progress as { label: string; bytes: number; total: number | null } | null,
    error: j.error,
    buildId: j.build?.id ?? null,
    target: (() => {
      const s = jobSpecSchema.safeParse(j.spec);
      return s.success ? jobTarget(s.data) : null;
    })(),
    createdAt: j.createdAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString() ?? null,
  }));
}
