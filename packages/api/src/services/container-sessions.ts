/**
 * Live container sessions a browser opens over the /ui socket: followed logs
 * (`logs -f`) and exec terminals (`exec -it`). Each is an agent job that runs
 * until the browser closes it (a `job:cancel` to the agent); both need the
 * operator role like every job (startJob audits a refusal).
 */
import { appendAudit } from '@drydock/db';
import { z } from 'zod';
import type { Hub } from '../hub.js';
import { dispatchJob, startJob } from './jobs.js';
import { actorOf, type Principal } from './principal.js';

const container = z.string().min(1);
const size = z.number().int().positive().max(1000);

const openLogsSchema = z.object({
  hostId: z.string().min(1),
  container,
  /** The last N lines first (`--tail`); all when absent. */
  tail: z.number().int().nonnegative().optional(),
});

const openExecSchema = z.object({
  hostId: z.string().min(1),
  container,
  cmd: z.array(z.string()).min(1).default(['sh']),
  cols: size.optional(),
  rows: size.optional(),
});

/** A session as its opener holds it: the job and the host its agent runs on. */
export interface Session {
  jobId: string;
  hostId: string;
}

/**
 * Creates the job of a session; `dispatch` sends it to the agent once the
 * caller is ready for its events (joined the job's room).
 */
async function open(hub: Hub, by: Principal, hostId: string, spec: Parameters<typeof startJob>[3]) {
  const { job, spec: parsed, host } = await startJob(hub, by, hostId, spec, { requireOnline: true });
  return { session: { jobId: job.id, hostId } satisfies Session, job, spec: parsed, host };
}

/** Followed logs of a container: its lines arrive as the job's `log` events. */
export async function openLogs(hub: Hub, by: Principal, input: z.input<typeof openLogsSchema>) {
  const o = openLogsSchema.parse(input);
  const { session, job, spec } = await open(hub, by, o.hostId, { kind: 'container.logs', container: o.container, follow: true, ...(o.tail !== undefined ? { tail: o.tail } : {}) });
  return { session, dispatch: () => dispatchJob(hub, job, spec) };
}

/**
 * A terminal in a running container (`exec -it`), audited when it opens (the
 * engine's journal does not record exec). Output comes as `execOutput`.
 */
export async function openExec(hub: Hub, by: Principal, input: z.input<typeof openExecSchema>) {
  const o = openExecSchema.parse(input);
  const { session, job, spec, host } = await open(hub, by, o.hostId, {
    kind: 'container.exec',
    container: o.container,
    cmd: o.cmd,
    tty: true,
    ...(o.cols !== undefined ? { cols: o.cols } : {}),
    ...(o.rows !== undefined ? { rows: o.rows } : {}),
  });
  await appendAudit(hub.prisma, {
    actor: actorOf(by),
    actorName: by.email,
    action: 'container.exec',
    hostId: host.id,
    hostName: host.name,
    target: o.container,
    params: { job: job.id, cmd: o.cmd },
    outcome: 'success',
  });
  hub.bus.emit('changed', { topic: 'audit' });
  return { session, dispatch: () => dispatchJob(hub, job, spec) };
}

/** Ends a session: the agent stops the job, which ends as closed (services/jobs.ts). */
export function closeSession(hub: Hub, s: Session): void {
  hub.agents.cancelJob?.(s.hostId, s.jobId);
}
