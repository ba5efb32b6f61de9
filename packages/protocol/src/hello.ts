import { z } from 'zod';
import { nonNegInt } from './common.js';

/** The file system holding the state root (DRYDOCK_ROOT). */
export const diskSchema = z.object({ path: z.string().min(1), totalBytes: nonNegInt, freeBytes: nonNegInt });

/** What an agent knows about its host, sent in every hello. */
export const hostFactsSchema = z.object({
  hostname: z.string().min(1),
  /** `os.platform()`, e.g. `linux`. */
  os: z.string().min(1),
  /** The distribution's PRETTY_NAME from /etc/os-release, when there is one. */
  distro: z.string().nullable(),
  /** `os.arch()` in Node's words (`x64`, `arm64`). */
  arch: z.string().min(1),
  kernel: z.string().min(1),
  cpus: z.number().int().positive(),
  memoryBytes: nonNegInt,
  disk: diskSchema,
  /** The OCI runtime the engine uses, or null when none is installed. */
  runtime: z.object({ name: z.enum(['crun', 'runc']), version: z.string() }).nullable(),
});
export type HostFacts = z.infer<typeof hostFactsSchema>;

/** Agent → hub, first message on every connection (with an ack: HelloAck). */
export const helloSchema = z.object({
  protocolVersion: z.number().int().positive(),
  agentVersion: z.string().min(1),
  facts: hostFactsSchema,
  /** Jobs this agent has accepted and not finished (a hub must not re-send them). */
  runningJobs: z.array(z.string().min(1)),
});
export type Hello = z.infer<typeof helloSchema>;

/** The hub's answer to hello. */
export const helloAckSchema = z.object({
  hostId: z.string().min(1),
  protocolVersion: z.number().int().positive(),
  /**
   * The last engine journal seq the hub has stored for this host. The agent
   * ships entries after it (it may have been lost with the hub's acks).
   */
  journalSeq: nonNegInt,
  /**
   * Only when the connection was made with an enrollment token: the per-host
   * token the agent stores (mode 0600) and presents from now on.
   */
  token: z.string().min(1).optional(),
});
export type HelloAck = z.infer<typeof helloAckSchema>;

/**
 * Agent → hub after each full inventory and whenever it moves: the state
 * root's disk and what the store's images take (`system df`, each layer
 * counted once), for the hosts page.
 */
export const hostStatusSchema = z.object({
  disk: diskSchema,
  images: z.object({ count: nonNegInt, bytes: nonNegInt }),
});
export type HostStatus = z.infer<typeof hostStatusSchema>;
