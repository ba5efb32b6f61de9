/**
 * Image bytes between the browser and a host's agent, through the hub's disk:
 * - save: the agent PUTs `image save`'s tar to /api/agent/downloads/<job> (its host
 *   token); once the job succeeded, whoever started it downloads the file.
 * - upload: the browser's tar is kept as the job's upload, which the agent GETs from
 *   /api/agent/uploads/<job> (builds.ts `readUpload`) for `image load` (a `docker save`
 *   or OCI layout tar) or `image import` (a root filesystem tar).
 * Downloads older than DOWNLOAD_TTL_MS are swept when the next save starts, the uploads of
 * ended load and import jobs when the next upload comes.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { JobSpecInput } from '@drydock/protocol';
import tar from 'tar-stream';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { getHost } from './hosts.js';
import { queueJob, requireOperator } from './jobs.js';
import { hasRole, type Principal } from './principal.js';

const JOB_ID = /^job_[0-9a-f]{24}$/;
const DOWNLOAD_TTL_MS = 60 * 60 * 1000;
/** Jobs whose sink is a hub download (container.export can use the same routes). */
const DOWNLOAD_KINDS = new Set(['image.save', 'container.export']);

const newJobId = () => `job_${randomBytes(12).toString('hex')}`;
const downloadsDir = (hub: Hub) => join(hub.uploadsDir, 'downloads');
const downloadPath = (hub: Hub, jobId: string) => join(downloadsDir(hub), `${jobId}.tar`);

/** Starts `image save REFS` on a host into a hub download; resolves with the job's id. */
export async function startSave(hub: Hub, by: Principal, hostId: string, refs: string[]): Promise<{ jobId: string }> {
  sweepDownloads(hub);
  const jobId = newJobId();
  const sink = { kind: 'url' as const, url: `${hub.agentUrl()}/api/agent/downloads/${jobId}` };
  return queueJob(hub, by, hostId, { kind: 'image.save', refs, sink }, { jobId });
}

/** Stores what an agent PUTs for one of its download jobs (written aside, renamed when whole). */
export async function receiveDownload(hub: Hub, hostId: string, jobId: string, body: Readable): Promise<number> {
  const job = JOB_ID.test(jobId) ? await hub.prisma.job.findUnique({ where: { id: jobId } }) : null;
  if (!job || job.hostId !== hostId || !DOWNLOAD_KINDS.has(job.kind)) throw new ApiError('not-found', 'no such download job for this host');
  if (job.status !== 'queued' && job.status !== 'running') throw new ApiError('conflict', `job ${jobId} has ended`);
  mkdirSync(downloadsDir(hub), { recursive: true, mode: 0o700 });
  const final = downloadPath(hub, jobId);
  const part = `${final}.part`;
  try {
    await pipeline(body, createWriteStream(part, { mode: 0o600 }));
    renameSync(part, final);
  } finally {
    rmSync(part, { force: true });
  }
  return statSync(final).size;
}

/**
 * A finished download for the user who started it (or an admin): the file's stream, size
 * and a name from the first saved reference (`team_app_1.tar`).
 */
export async function openDownload(hub: Hub, by: Principal, jobId: string) {
  const job = JOB_ID.test(jobId) ? await hub.prisma.job.findUnique({ where: { id: jobId } }) : null;
  if (!job || !DOWNLOAD_KINDS.has(job.kind)) throw new ApiError('not-found', `no download ${jobId}`);
  if (job.userId !== by.userId && !hasRole(by, 'admin')) throw new ApiError('forbidden', 'only who started a download (or an admin) may fetch it');
  if (job.status !== 'succeeded') throw new ApiError('conflict', `job ${jobId} is ${job.status}${job.error ? `: ${job.error}` : ''}`);
  const path = downloadPath(hub, jobId);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new ApiError('not-found', `the download of ${jobId} has expired`);
  }
  const spec = job.spec as { refs?: string[]; container?: string };
  const name = (spec.refs?.[0] ?? spec.container ?? 'image').replace(/[^A-Za-z0-9._-]+/g, '_');
  return { stream: createReadStream(path), size, filename: `${name}.tar` };
}

function sweepDownloads(hub: Hub): void {
  let names: string[];
  try {
    names = readdirSync(downloadsDir(hub));
  } catch {
    return;
  }
  const cutoff = Date.now() - DOWNLOAD_TTL_MS;
  for (const name of names) {
    const path = join(downloadsDir(hub), name);
    try {
      if (statSync(path).mtimeMs < cutoff) rmSync(path, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}

/** Deletes the uploads of load and import jobs that have ended (a queued one may still be re-sent after a reconnect). */
async function sweepUploads(hub: Hub): Promise<void> {
  let ids: string[];
  try {
    ids = readdirSync(hub.uploadsDir).flatMap((n) => (/^job_[0-9a-f]{24}\.tar$/.test(n) ? [n.slice(0, -4)] : []));
  } catch {
    return;
  }
  if (ids.length === 0) return;
  const ended = await hub.prisma.job.findMany({ where: { id: { in: ids }, kind: { in: ['image.load', 'image.import'] }, status: { notIn: ['queued', 'running'] } }, select: { id: true } });
  for (const { id } of ended) rmSync(join(hub.uploadsDir, `${id}.tar`), { force: true });
}

export interface UploadOptions {
  /** `load` a `docker save`/OCI tar, `import` a root filesystem, or `auto`: load when the tar holds manifest.json or index.json. */
  mode: 'auto' | 'load' | 'import';
  /** import: the reference to tag the new image with. */
  ref?: string | undefined;
  /** import: the history comment (`docker import -m`). */
  message?: string | undefined;
}

/**
 * Keeps an uploaded tar as a job's upload and starts `image load` or `image import` with
 * it. The role is checked before the body is read, so a viewer's bytes are never kept.
 */
export async function startImageUpload(hub: Hub, by: Principal, hostId: string, body: Readable, opts: UploadOptions): Promise<{ jobId: string; kind: 'image.load' | 'image.import' }> {
  const host = await getHost(hub.prisma, hostId);
  await requireOperator(hub, by, host, opts.mode === 'load' ? 'image.load' : 'image.import', opts.ref ?? null);
  await sweepUploads(hub);
  const jobId = newJobId();
  mkdirSync(hub.uploadsDir, { recursive: true, mode: 0o700 });
  const path = join(hub.uploadsDir, `${jobId}.tar`);
  try {
    await pipeline(body, createWriteStream(`${path}.part`, { mode: 0o600 }));
    renameSync(`${path}.part`, path);
    if (statSync(path).size === 0) throw new ApiError('bad-request', 'the upload is empty');
    const load = opts.mode === 'auto' ? await isImageArchive(path) : opts.mode === 'load';
    const source = { kind: 'url' as const, url: `${hub.agentUrl()}/api/agent/uploads/${jobId}` };
    const input: JobSpecInput = load
      ? { kind: 'image.load', source }
      : { kind: 'image.import', source, ...(opts.ref ? { ref: opts.ref } : {}), ...(opts.message ? { message: opts.message } : {}) };
    await queueJob(hub, by, host.id, input, { jobId });
    return { jobId, kind: load ? 'image.load' : 'image.import' };
  } catch (err) {
    rmSync(path, { force: true });
    throw err;
  } finally {
    rmSync(`${path}.part`, { force: true });
  }
}

/** Whether a tar (plain or gzip) is an image archive: `manifest.json` (docker save) or `index.json` (OCI layout) at its root. */
async function isImageArchive(path: string): Promise<boolean> {
  const head = Buffer.alloc(2);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  const extract = tar.extract();
  let found = false;
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.?\/+/, '');
    if (name === 'manifest.json' || name === 'index.json') {
      found = true;
      extract.destroy();
      return;
    }
    stream.on('end', next);
    stream.resume();
  });
  const file = createReadStream(path);
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  try {
    if (gz) await pipeline(file, createGunzip(), extract as unknown as NodeJS.WritableStream);
    else await pipeline(file, extract as unknown as NodeJS.WritableStream);
  } catch (err) {
    if (!found) throw new ApiError('bad-request', `the upload is not a tar: ${(err as Error).message}`);
  }
  return found;
}
