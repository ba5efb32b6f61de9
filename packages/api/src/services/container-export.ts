/**
 * `docker export` as a browser download: the hub queues a `container.export`
 * job whose sink is a hub URL (PUT /api/agent/sinks/:job); when the agent's
 * upload arrives, its body is piped straight into the waiting download, so
 * the tarball never lands on the hub's disk. Both requests meet on the hub
 * process the agent uploads to, which is the one that queued the job
 * (`agentUrl` is the process's own address).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { dispatchJob, startJob } from './jobs.js';
import type { Principal } from './principal.js';

interface Waiting {
  hostId: string;
  /** Hands the agent's upload to the download; resolves once it is piped through. */
  deliver(upload: IncomingMessage): Promise<void>;
}

const waiting = new Map<string, Waiting>();

/** A file name for the Content-Disposition header: the container's name, tame characters only. */
const fileName = (name: string) => `${name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'container'}.tar`;

/**
 * Answers `res` with the container's filesystem as a tar. Resolves when the
 * download ended (or failed: a job failure before any byte is an error
 * answer; after, the connection is cut so the browser sees a failed download).
 */
export async function downloadExport(hub: Hub, by: Principal, hostId: string, container: string, res: ServerResponse): Promise<void> {
  const jobId = `exp_${randomBytes(12).toString('hex')}`;
  const known = await hub.prisma.container.findFirst({ where: { hostId, OR: [{ containerId: container }, { name: container }] } });
  const sink = { kind: 'url' as const, url: `${hub.agentUrl()}/api/agent/sinks/${jobId}` };
  const { job, spec } = await startJob(hub, by, hostId, { kind: 'container.export', container, sink }, { jobId, requireOnline: true });

  await new Promise<void>((resolve, reject) => {
    const finish = (err?: Error) => {
      waiting.delete(jobId);
      hub.bus.off('job', onJob);
      if (err) reject(err);
      else resolve();
    };
    const onJob = (e: { jobId: string; event: { type: string; message?: string } }) => {
      if (e.jobId === jobId && e.event.type === 'failed' && !res.headersSent) finish(new ApiError('bad-request', e.event.message ?? 'export failed'));
    };
    hub.bus.on('job', onJob);
    res.on('close', () => {
      if (waiting.has(jobId)) finish(); // the browser gave up before the agent uploaded
    });
    waiting.set(jobId, {
      hostId,
      deliver: async (upload) => {
        res.writeHead(200, {
          'content-type': 'application/x-tar',
          'content-disposition': `attachment; filename="${fileName(known?.name ?? container)}"`,
          'cache-control': 'no-store',
        });
        try {
          await pipeline(upload, res);
          finish();
        } catch (err) {
          finish();
          throw err;
        }
      },
    });
    dispatchJob(hub, job, spec).catch((err: Error) => finish(err));
  });
}

/** The agent's upload for job `jobId` (authenticated by its host token): piped to the waiting download. */
export async function receiveExport(hostId: string, jobId: string, upload: IncomingMessage): Promise<void> {
  const w = waiting.get(jobId);
  if (!w || w.hostId !== hostId) throw new ApiError('not-found', 'no download is waiting for this job');
  waiting.delete(jobId);
  await w.deliver(upload);
}
