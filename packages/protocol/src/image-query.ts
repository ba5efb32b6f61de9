import { z } from 'zod';

/**
 * Hub → agent, answered through the socket.io acknowledgement: read-only
 * questions about one local image (`docker image history` / `docker image
 * inspect`). Unlike jobs they change nothing, so they are neither numbered,
 * kept on disk nor audited; a lost answer is simply asked again.
 */
export const imageQuerySchema = z.object({
  kind: z.enum(['history', 'inspect']),
  /** A reference or an image id (full or short), as the CLI takes it. */
  ref: z.string().min(1),
});
export type ImageQuery = z.infer<typeof imageQuerySchema>;

/** One `docker history` row: newest first; `id` is `<missing>` when no local image is that step. */
export const historyRowSchema = z.object({
  id: z.string(),
  created: z.string(),
  createdBy: z.string(),
  size: z.number().int().nonnegative(),
  comment: z.string(),
  tags: z.array(z.string()),
});
export type HistoryRow = z.infer<typeof historyRowSchema>;

/** The agent's answer: the rows or the inspect object, or the engine's error code and message. */
export const imageQueryAnswerSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), history: z.array(historyRowSchema).optional(), inspect: z.record(z.string(), z.unknown()).optional() }),
  z.object({ ok: z.literal(false), code: z.string().min(1), message: z.string() }),
]);
export type ImageQueryAnswer = z.infer<typeof imageQueryAnswerSchema>;
