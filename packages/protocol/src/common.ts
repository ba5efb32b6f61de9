import { z } from 'zod';

export const nonNegInt = z.number().int().nonnegative();
/** `sha256:<64 hex>`. */
export const digestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>');
export const jobIdSchema = z.string().min(1).max(200);
/** Who asked: `user:<email>`, `token:<name>`, or `os:<user>` for the CLI on a host. */
export const actorSchema = z.string().min(1);
/** Binary data: socket.io carries Buffers (Uint8Arrays) as they are. */
export const bytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected binary data');
