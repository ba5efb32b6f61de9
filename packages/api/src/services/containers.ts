/**
 * Container operations from the dashboard, each an agent job (startJob checks
 * the role and audits a refusal; the engine's journal or the job's end audits
 * the rest): run, stop, remove, commit, and diff, which waits for the agent's
 * answer.
 */
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { queueJob } from './jobs.js';
import type { Principal } from './principal.js';

const ref = z.string().min(1);
const target = z.object({ hostId: z.string().min(1), container: ref });

/** `docker run -d` from the run dialog. */
export const runInputSchema = z.object({
  hostId: z.string().min(1),
  image: ref,
  name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a name is letters, digits, _ . - (Docker’s rule)').optional(),
  cmd: z.array(z.string()).optional(),
  env: z.array(z.string().regex(/^[^=]+=/, 'env entries are KEY=VALUE')).default([]),
  publish: z.array(z.string().regex(/^[\d.:]*\d+(-\d+)?(\/(tcp|udp))?$/, 'ports are [ip:]host:container[/proto]')).default([]),
  network: z.enum(['bridge', 'host', 'none']).optional(),
  autoRemove: z.boolean().default(false),
});

export const commitInputSchema = target.extend({
  ref: ref.optional(),
  author: z.string().optional(),
  message: z.string().optional(),
  /** `--change` Dockerfile instructions, one per entry. */
  changes: z.array(z.string().min(1)).default([]),
  pause: z.boolean().default(true),
});

export const stopInputSchema = target;
export const removeInputSchema = target.extend({ force: z.boolean().default(false) });
export const diffInputSchema = target;

/** Spreads only the defined values (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

export function runContainer(hub: Hub, by: Principal, input: z.input<typeof runInputSchema>) {
  const { hostId, ...o } = runInputSchema.parse(input);
  return queueJob(hub, by, hostId, { kind: 'container.run', ...defined(o) });
}

export function stopContainer(hub: Hub, by: Principal, input: z.input<typeof stopInputSchema>) {
  const o = stopInputSchema.parse(input);
  return queueJob(hub, by, o.hostId, { kind: 'container.stop', container: o.container });
}

export function removeContainer(hub: Hub, by: Principal, input: z.input<typeof removeInputSchema>) {
  const o = removeInputSchema.parse(input);
  return queueJob(hub, by, o.hostId, { kind: 'container.rm', container: o.container, force: o.force });
}

export function commitContainer(hub: Hub, by: Principal, input: z.input<typeof commitInputSchema>) {
  const { hostId, ...o } = commitInputSchema.parse(input);
  return queueJob(hub, by, hostId, { kind: 'container.commit', ...defined(o) });
}

/**
 * Waits for a job to finish and returns its stored row. Polls the row, so it
 * works whichever hub process the agent reports to.
 */
async function awaitJob(hub: Hub, jobId: string, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = await hub.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
    if (job.status !== 'queued' && job.status !== 'running') return job; // succeeded, failed or cancelled
    if (Date.now() > end) throw new ApiError('unavailable', `the agent did not answer within ${timeoutMs / 1000} s (job ${jobId})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `docker diff` as records: what changed in the container's filesystem since it was created. */
export async function diffContainer(hub: Hub, by: Principal, input: z.input<typeof diffInputSchema>) {
  const o = diffInputSchema.parse(input);
  const { jobId } = await queueJob(hub, by, o.hostId, { kind: 'container.diff', container: o.container }, { requireOnline: true });
  const job = await awaitJob(hub, jobId);
  if (job.status !== 'succeeded') throw new ApiError('bad-request', job.error ?? `diff ${job.status}`);
  const result = (job.result ?? {}) as { changes?: { kind: 'A' | 'C' | 'D'; path: string }[] };
  return { jobId, changes: result.changes ?? [] };
}
