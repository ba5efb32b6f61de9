import { z } from 'zod';
import { actorSchema, nonNegInt } from './common.js';

/**
 * One row of the engine's local journal (packages/engine/src/journal.ts):
 * something done to the host's store and by whom, whether through the agent or
 * with the CLI on the host. `seq` grows by one per host store.
 */
export const journalEntrySchema = z.object({
  seq: z.number().int().positive(),
  timeMs: nonNegInt,
  actor: actorSchema,
  /** `image.tag`, `image.rm`, `image.build`, `container.commit`, … */
  action: z.string().min(1),
  target: z.string().nullable(),
  digest: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** Agent → hub: journal entries, oldest first, with no gap after the hub's last seq. */
export const journalBatchSchema = z.object({
  entries: z.array(journalEntrySchema).min(1),
});
export type JournalBatch = z.infer<typeof journalBatchSchema>;

/** Hub → agent: every entry up to `seq` is stored; the agent will not send them again. */
export const journalAckSchema = z.object({ seq: nonNegInt });
export type JournalAck = z.infer<typeof journalAckSchema>;
