import type { z } from 'zod';
import { helloSchema, hostStatusSchema, type Hello, type HelloAck, type HostStatus } from './hello.js';
import { inventoryDeltaSchema, inventoryFullSchema, type InventoryDelta, type InventoryFull } from './inventory.js';
import { jobAckSchema, jobEventBatchSchema, type JobAck, type JobEventBatch } from './job-events.js';
import {
  execInputSchema,
  execOutputSchema,
  execResizeSchema,
  jobCancelSchema,
  jobStartSchema,
  type ExecInput,
  type ExecOutput,
  type ExecResize,
  type JobCancel,
  type JobStart,
} from './jobs.js';
import { imageQuerySchema, type ImageQuery, type ImageQueryAnswer } from './image-query.js';
import { journalAckSchema, journalBatchSchema, type JournalAck, type JournalBatch } from './journal.js';

/** Every event name an agent emits, with its payload's schema. */
export const agentToHubSchemas = {
  hello: helloSchema,
  'inventory:full': inventoryFullSchema,
  'inventory:delta': inventoryDeltaSchema,
  'host:status': hostStatusSchema,
  'job:events': jobEventBatchSchema,
  journal: journalBatchSchema,
  'exec:output': execOutputSchema,
} as const;

/** Every event name the hub emits to an agent, with its payload's schema. */
export const hubToAgentSchemas = {
  'job:start': jobStartSchema,
  'job:cancel': jobCancelSchema,
  'job:ack': jobAckSchema,
  'journal:ack': journalAckSchema,
  'exec:input': execInputSchema,
  'exec:resize': execResizeSchema,
  'image:query': imageQuerySchema,
} as const;

export type AgentToHubEvent = keyof typeof agentToHubSchemas;
export type HubToAgentEvent = keyof typeof hubToAgentSchemas;

/**
 * socket.io typings for the hub's `/agent` namespace:
 * `Namespace<AgentToHubEvents, HubToAgentEvents>` on the hub,
 * `Socket<HubToAgentEvents, AgentToHubEvents>` in the agent.
 * `hello` (the hub answers) and `image:query` (the agent answers) carry acknowledgements.
 */
export interface AgentToHubEvents {
  hello: (hello: Hello, ack: (answer: HelloAck) => void) => void;
  'inventory:full': (msg: InventoryFull) => void;
  'inventory:delta': (msg: InventoryDelta) => void;
  'host:status': (msg: HostStatus) => void;
  'job:events': (msg: JobEventBatch) => void;
  journal: (msg: JournalBatch) => void;
  'exec:output': (msg: ExecOutput) => void;
}

export interface HubToAgentEvents {
  'job:start': (msg: JobStart) => void;
  'job:cancel': (msg: JobCancel) => void;
  'job:ack': (msg: JobAck) => void;
  'journal:ack': (msg: JournalAck) => void;
  'exec:input': (msg: ExecInput) => void;
  'exec:resize': (msg: ExecResize) => void;
  /** Answered through the acknowledgement (image-query.ts). */
  'image:query': (msg: ImageQuery, ack: (answer: ImageQueryAnswer) => void) => void;
}


type Output<M, K extends keyof M> = M[K] extends z.ZodType ? z.output<M[K]> : never;

/** The result of checking one incoming message: its parsed value or one line saying what is wrong. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, name: string, payload: unknown): ParseResult<T> {
  const r = schema.safeParse(payload);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: `invalid ${name} message${where}: ${issue?.message ?? 'malformed'}` };
}

/** Checks a message the hub received from an agent. */
export function parseAgentMessage<K extends AgentToHubEvent>(name: K, payload: unknown): ParseResult<Output<typeof agentToHubSchemas, K>> {
  return parseWith(agentToHubSchemas[name] as unknown as z.ZodType<Output<typeof agentToHubSchemas, K>>, name, payload);
}

/** Checks a message an agent received from the hub. */
export function parseHubMessage<K extends HubToAgentEvent>(name: K, payload: unknown): ParseResult<Output<typeof hubToAgentSchemas, K>> {
  return parseWith(hubToAgentSchemas[name] as unknown as z.ZodType<Output<typeof hubToAgentSchemas, K>>, name, payload);
}
