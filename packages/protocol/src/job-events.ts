import { z } from 'zod';
import { digestSchema, jobIdSchema, nonNegInt } from './common.js';

const step = z.number().int().positive();

/** What a job produced, by kind; every field optional because kinds differ. */
export const jobResultSchema = z.object({
  /** build, import, commit, pull: the image made or fetched. */
  imageId: digestSchema.optional(),
  /** load: the images loaded with their tags. */
  loaded: z.array(z.object({ id: digestSchema, tags: z.array(z.string()) })).optional(),
  /** run: the container started. */
  containerId: z.string().optional(),
  /** image.rm: Docker's `Untagged:` / `Deleted:` lines as records. */
  removed: z.array(z.object({ untagged: z.string().optional(), deleted: z.string().optional() })).optional(),
  /** container.diff: Docker's `A /path` / `C /path` / `D /path` lines. */
  changes: z.array(z.object({ kind: z.enum(['A', 'C', 'D']), path: z.string() })).optional(),
  /** container.exec: the command's exit code. */
  exitCode: z.number().int().optional(),
  /** push: the manifest digest the registry has; pull: the manifest digest recorded as RepoDigest. */
  digest: digestSchema.optional(),
  /** pull, push: the references moved, in Docker's full form (`docker.io/library/busybox:latest`). */
  refs: z.array(z.string()).optional(),
  /** save, export: bytes uploaded to the sink. */
  bytes: nonNegInt.optional(),
});
export type JobResult = z.infer<typeof jobResultSchema>;

/**
 * What happened in a job. A job's events begin with `started` and end with
 * exactly one `done` or `failed` (a `result` may come just before `done`).
 * Build steps are numbered from 1 in Dockerfile order across stages. `log`
 * is one line without its newline: a build step's output (with its step), a
 * registry status line or a container's log line (step null).
 */
export const jobEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), kind: z.string().min(1) }),
  z.object({ type: z.literal('step'), step, name: z.string() }),
  z.object({
    type: z.literal('log'),
    step: step.nullable(),
    stream: z.enum(['stdout', 'stderr']),
    text: z.string(),
    /** When the line was written, RFC 3339 with nanoseconds (container logs). */
    time: z.string().optional(),
  }),
  z.object({ type: z.literal('cached'), step }),
  z.object({ type: z.literal('step-done'), step, durationMs: nonNegInt }),
  /** Bytes moved so far (pull, push, load, import, save, export); total when known. */
  z.object({ type: z.literal('progress'), label: z.string(), bytes: nonNegInt, total: nonNegInt.nullable() }),
  z.object({ type: z.literal('result'), result: jobResultSchema }),
  z.object({ type: z.literal('done'), durationMs: nonNegInt }),
  z.object({
    type: z.literal('failed'),
    /** The engine's DrydockError code, or `cancelled`, `unsupported`, `internal`. */
    code: z.string().min(1),
    message: z.string(),
    step: step.nullable(),
  }),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;

/**
 * One numbered event. `seq` starts at 1 for each job and grows by one with no
 * gaps; the agent keeps every event on disk until the hub acks its seq and
 * re-sends from the first unacked one after a reconnect, so the hub may see a
 * seq twice (drop it) but never a gap.
 */
export const jobEventEnvelopeSchema = z.object({
  jobId: jobIdSchema,
  seq: z.number().int().positive(),
  timeMs: nonNegInt,
  event: jobEventSchema,
});
export type JobEventEnvelope = z.infer<typeof jobEventEnvelopeSchema>;

/** Agent → hub: events in seq order per job (several jobs may share a batch). */
export const jobEventBatchSchema = z.object({ events: z.array(jobEventEnvelopeSchema).min(1) });
export type JobEventBatch = z.infer<typeof jobEventBatchSchema>;

/** Hub → agent: every event of `jobId` up to `seq` is stored (cumulative). */
export const jobAckSchema = z.object({ jobId: jobIdSchema, seq: nonNegInt });
export type JobAck = z.infer<typeof jobAckSchema>;
