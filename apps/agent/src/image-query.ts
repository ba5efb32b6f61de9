import type { Engine } from '@drydock/engine';
import { isDrydockError } from '@drydock/engine';
import type { ImageQuery, ImageQueryAnswer } from '@drydock/protocol';

/** Answers the hub's read-only `image:query` from the local store; never throws. */
export function answerImageQuery(engine: Engine, q: ImageQuery): ImageQueryAnswer {
  try {
    // JSON round trip: the inspect object may hold undefined values socket.io would keep as keys.
    if (q.kind === 'history') return { ok: true, history: engine.history(q.ref) };
    return { ok: true, inspect: JSON.parse(JSON.stringify(engine.inspect(q.ref))) as Record<string, unknown> };
  } catch (err) {
    return { ok: false, code: isDrydockError(err) ? err.code : 'internal', message: err instanceof Error ? err.message : String(err) };
  }
}
