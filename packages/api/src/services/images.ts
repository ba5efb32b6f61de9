/**
 * The dashboard's image actions on one host: tag, push, pull and remove as agent jobs
 * (operators and up, audited by services/jobs.ts), and the read-only history and inspect
 * answered by the agent at once (any signed-in role, not audited: they change nothing).
 */
import type { HistoryRow, ImageQuery, JobSpecInput } from '@drydock/protocol';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { getHost } from './hosts.js';
import { queueJob } from './jobs.js';
import type { Principal } from './principal.js';
import { registryAccessOf, registryHost } from './registry-access.js';

export type ImageAction =
  | { kind: 'image.tag'; source: string; target: string }
  | { kind: 'image.push'; ref: string; registryId?: string | undefined }
  | { kind: 'image.pull'; ref: string; registryId?: string | undefined }
  | { kind: 'image.rm'; ref: string; force?: boolean | undefined };

/**
 * Starts one image action as a job. A push or pull naming a stored registry uses that
 * registry's credentials; the reference must live on it (tag it there first).
 */
export async function startImageAction(hub: Hub, by: Principal, hostId: string, action: ImageAction): Promise<{ jobId: string }> {
  let spec: JobSpecInput;
  if ((action.kind === 'image.push' || action.kind === 'image.pull') && action.registryId) {
    const row = await hub.prisma.registry.findUnique({ where: { id: action.registryId } });
    if (!row) throw new ApiError('not-found', `no registry ${action.registryId}`);
    const host = new URL(row.url).host;
    if (registryHost(action.ref) !== host) throw new ApiError('bad-request', `${action.ref} is not on ${row.name} (${host}): name it ${host}/…`);
    spec = { kind: action.kind, ref: action.ref, registry: registryAccessOf(hub, row) };
  } else if (action.kind === 'image.push' || action.kind === 'image.pull') {
    spec = { kind: action.kind, ref: action.ref };
  } else if (action.kind === 'image.rm') {
    spec = { kind: 'image.rm', ref: action.ref, force: action.force ?? false };
  } else {
    spec = action;
  }
  return queueJob(hub, by, hostId, spec);
}

/** Asks the host's agent; `not-found` for an image it does not have, `unavailable` when offline. */
async function query(hub: Hub, hostId: string, q: ImageQuery) {
  const host = await getHost(hub.prisma, hostId);
  const answer = hub.agents.queryImage && host.connected ? await hub.agents.queryImage(host.id, q) : null;
  if (!answer) throw new ApiError('unavailable', `the agent of ${host.name} is not connected`);
  if (!answer.ok) throw new ApiError(answer.code === 'not-found' ? 'not-found' : 'bad-request', answer.message);
  return answer;
}

/** `docker image history` rows, newest first. */
export async function imageHistory(hub: Hub, hostId: string, ref: string): Promise<HistoryRow[]> {
  return (await query(hub, hostId, { kind: 'history', ref })).history ?? [];
}

/** `docker image inspect`'s object for one image. */
export async function imageInspect(hub: Hub, hostId: string, ref: string): Promise<Record<string, unknown>> {
  const inspect = (await query(hub, hostId, { kind: 'inspect', ref })).inspect;
  if (!inspect) throw new ApiError('unavailable', 'the agent sent no inspect data');
  return inspect;
}
