import { z } from 'zod';
import { digestSchema, nonNegInt } from './common.js';

/** One image as `drydock image ls` / `image inspect` summarize it. */
export const imageSummarySchema = z.object({
  id: digestSchema,
  parentId: digestSchema.nullable(),
  /** Familiar `name:tag` strings, like Docker's RepoTags. */
  repoTags: z.array(z.string()),
  /** Familiar `name@sha256:…` strings, like Docker's RepoDigests. */
  repoDigests: z.array(z.string()),
  /** RFC 3339 creation time from the image config. */
  created: z.string(),
  size: nonNegInt,
  labels: z.record(z.string(), z.string()),
  /** Made by a build on the way to its result (hidden by `image ls` without -a). */
  intermediate: z.boolean(),
});
export type ImageSummary = z.infer<typeof imageSummarySchema>;

export const containerStatusSchema = z.enum(['created', 'running', 'paused', 'exited', 'dead']);

/** One container as `drydock ps -a` shows it. */
export const containerSummarySchema = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string().min(1),
  /** The image as the user named it (`busybox:latest`). */
  image: z.string(),
  imageId: digestSchema,
  /** Entrypoint and Cmd joined, as `ps` prints COMMAND (untruncated). */
  command: z.string(),
  createdMs: nonNegInt,
  status: containerStatusSchema,
  exitCode: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** `-p` specs as given to run (`8080:80`). */
  ports: z.array(z.string()),
});
export type ContainerSummary = z.infer<typeof containerSummarySchema>;

/** Agent → hub after every hello: everything, replacing what the hub had. */
export const inventoryFullSchema = z.object({
  images: z.array(imageSummarySchema),
  containers: z.array(containerSummarySchema),
});
export type InventoryFull = z.infer<typeof inventoryFullSchema>;

/**
 * Agent → hub when the store changes: upserts replace whole records by id,
 * removals name ids. Deltas apply on top of the last full inventory of the
 * same connection; after a reconnect a full inventory comes first again.
 */
export const inventoryDeltaSchema = z.object({
  images: z.object({ upsert: z.array(imageSummarySchema), remove: z.array(digestSchema) }),
  containers: z.object({ upsert: z.array(containerSummarySchema), remove: z.array(z.string().min(1)) }),
});
export type InventoryDelta = z.infer<typeof inventoryDeltaSchema>;
