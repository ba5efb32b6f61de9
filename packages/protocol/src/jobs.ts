import { z } from 'zod';
import { actorSchema, bytesSchema, jobIdSchema } from './common.js';

/**
 * Bytes coming into the agent (a build context, an import or load tarball).
 * `url`: the agent GETs it, sending `Authorization: Bearer <host token>`
 * unless `headers` sets one — the hub serves uploads this way. `inline`:
 * small payloads carried in the message itself (socket.io sends binary as is).
 */
export const dataSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('url'), url: z.url(), headers: z.record(z.string(), z.string()).optional() }),
  z.object({ kind: z.literal('inline'), data: bytesSchema }),
]);
export type DataSource = z.infer<typeof dataSourceSchema>;

/**
 * A build context in a git repository, as `docker build URL#REF:DIR`: the
 * agent fetches `ref` (a branch, a tag, or a commit the server lets it fetch;
 * the default branch when absent) with depth 1 and builds from `subdir`.
 */
export const gitSourceSchema = z.object({
  kind: z.literal('git'),
  /** https://, ssh://, git:// or file:// — anything `git fetch` takes. */
  url: z.string().min(1),
  ref: z.string().min(1).optional(),
  subdir: z.string().min(1).optional(),
});
export type GitSource = z.infer<typeof gitSourceSchema>;

/** Where a build's context comes from: an upload (tar or bare Dockerfile) or a git repository. */
export const buildContextSchema = z.discriminatedUnion('kind', [...dataSourceSchema.options, gitSourceSchema]);
export type BuildContextSource = z.infer<typeof buildContextSchema>;

/**
 * Bytes leaving the agent (a `save` or `export` tarball): the agent PUTs the
 * stream to `url` (chunked), with the same Authorization rule as DataSource.
 */
export const dataSinkSchema = z.object({ kind: z.literal('url'), url: z.url(), headers: z.record(z.string(), z.string()).optional() });
export type DataSink = z.infer<typeof dataSinkSchema>;

const ref = z.string().min(1);

/**
 * How to reach the registry a pull or push names. Without credentials the
 * host's own Docker config (config.json, credential helpers) is used;
 * `insecure` reaches it over plain HTTP (loopback registries always are).
 */
export const registryAccessSchema = z.object({
  credentials: z.object({ username: z.string().min(1), password: z.string() }).optional(),
  insecure: z.boolean().default(false),
});
export type RegistryAccess = z.infer<typeof registryAccessSchema>;
const containerRef = z.string().min(1);

/** What a job asks for, one member per engine operation (`kind` names it like the audit action). */
export const jobSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('image.build'),
    /** A tar of the context (plain or gzip), a bare Dockerfile as `docker build -` takes, or a git repository. */
    context: buildContextSchema,
    /** The Dockerfile's path inside the context (default `Dockerfile`). */
    dockerfile: z.string().min(1).optional(),
    tags: z.array(ref).default([]),
    buildArgs: z.record(z.string(), z.string()).default({}),
    target: z.string().min(1).optional(),
    noCache: z.boolean().default(false),
    labels: z.record(z.string(), z.string()).default({}),
  }),
  z.object({
    kind: z.literal('image.pull'),
    ref,
    /** Every tag of the repository (`pull -a`). */
    all: z.boolean().default(false),
    /** `os/arch[/variant]` to pick from a manifest list; the host's by default. */
    platform: z.string().min(1).optional(),
    registry: registryAccessSchema.optional(),
  }),
  z.object({ kind: z.literal('image.push'), ref, all: z.boolean().default(false), registry: registryAccessSchema.optional() }),
  z.object({ kind: z.literal('image.tag'), source: ref, target: ref }),
  z.object({ kind: z.literal('image.rm'), ref, force: z.boolean().default(false), noPrune: z.boolean().default(false) }),
  z.object({
    kind: z.literal('image.import'),
    source: dataSourceSchema,
    ref: ref.optional(),
    message: z.string().optional(),
    /** `--change` Dockerfile instructions. */
    changes: z.array(z.string()).default([]),
  }),
  z.object({ kind: z.literal('image.load'), source: dataSourceSchema }),
  z.object({ kind: z.literal('image.save'), refs: z.array(ref).min(1), sink: dataSinkSchema }),
  z.object({
    kind: z.literal('container.run'),
    image: ref,
    name: z.string().min(1).optional(),
    cmd: z.array(z.string()).optional(),
    entrypoint: z.string().optional(),
    env: z.array(z.string()).default([]),
    workdir: z.string().optional(),
    user: z.string().optional(),
    publish: z.array(z.string()).default([]),
    network: z.enum(['bridge', 'host', 'none']).optional(),
    labels: z.record(z.string(), z.string()).default({}),
    /** `--rm`: the container is removed once it exits. */
    autoRemove: z.boolean().default(false),
  }),
  z.object({ kind: z.literal('container.stop'), container: containerRef, timeoutSec: z.number().int().nonnegative().optional() }),
  z.object({ kind: z.literal('container.rm'), container: containerRef, force: z.boolean().default(false) }),
  z.object({
    kind: z.literal('container.commit'),
    container: containerRef,
    ref: ref.optional(),
    message: z.string().optional(),
    author: z.string().optional(),
    changes: z.array(z.string()).default([]),
    pause: z.boolean().default(true),
  }),
  z.object({ kind: z.literal('container.diff'), container: containerRef }),
  z.object({
    kind: z.literal('container.logs'),
    container: containerRef,
    /** Keep streaming until the container stops or the hub cancels the job (`logs -f`). */
    follow: z.boolean().default(false),
    /** The last N lines only (`--tail N`). */
    tail: z.number().int().nonnegative().optional(),
    /** `--since`: an RFC 3339 time, a Unix timestamp, or a duration like `10m`. */
    since: z.string().min(1).optional(),
  }),
  z.object({ kind: z.literal('container.export'), container: containerRef, sink: dataSinkSchema }),
  z.object({
    kind: z.literal('container.exec'),
    container: containerRef,
    cmd: z.array(z.string()).min(1),
    tty: z.boolean().default(true),
    env: z.array(z.string()).default([]),
    user: z.string().optional(),
    workdir: z.string().optional(),
    cols: z.number().int().positive().optional(),
    rows: z.number().int().positive().optional(),
  }),
]);
export type JobSpec = z.infer<typeof jobSpecSchema>;
export type JobSpecInput = z.input<typeof jobSpecSchema>;
export type JobKind = JobSpec['kind'];

/**
 * Hub → agent: run a job. `jobId` is the hub's; an agent runs each id at most
 * once (it remembers ids on disk), so the hub may re-send a job whose first
 * event it never received.
 */
export const jobStartSchema = z.object({
  jobId: jobIdSchema,
  /** Who asked on the hub: recorded in the host's journal as the operation's actor. */
  actor: actorSchema,
  spec: jobSpecSchema,
});
export type JobStart = z.infer<typeof jobStartSchema>;
export type JobStartInput = z.input<typeof jobStartSchema>;

/**
 * Hub → agent: stop a running job (it ends with a `failed` event, code
 * `cancelled`). Agents stop the kinds in CANCELLABLE_JOB_KINDS; older agents
 * only exec sessions and followed logs; other jobs run on.
 */
export const jobCancelSchema = z.object({ jobId: jobIdSchema });

/** Jobs that run until cancelled (followed logs, exec terminals): an agent that stops ends them, and their cancel is a normal close. */
export const SESSION_JOB_KINDS: ReadonlySet<string> = new Set(['container.exec', 'container.logs']);

/** Kinds an agent stops midway on `job:cancel`: sessions, builds (the running step is killed, nothing tagged), transfers. */
export const CANCELLABLE_JOB_KINDS: ReadonlySet<string> = new Set(['container.exec', 'container.logs', 'image.build', 'image.pull', 'image.push', 'image.load', 'image.import']);
export type JobCancel = z.infer<typeof jobCancelSchema>;

/** Hub → agent: keystrokes for a `container.exec` job's terminal. */
export const execInputSchema = z.object({ jobId: jobIdSchema, data: bytesSchema });
export type ExecInput = z.infer<typeof execInputSchema>;

/** Hub → agent: the terminal's new size. */
export const execResizeSchema = z.object({ jobId: jobIdSchema, cols: z.number().int().positive(), rows: z.number().int().positive() });
export type ExecResize = z.infer<typeof execResizeSchema>;

/**
 * Agent → hub: terminal output of a `container.exec` job. Live only: unlike
 * job events it is neither numbered nor kept on disk (a terminal is live).
 */
export const execOutputSchema = z.object({ jobId: jobIdSchema, data: bytesSchema });
export type ExecOutput = z.infer<typeof execOutputSchema>;
