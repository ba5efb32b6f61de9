/**
 * Progress events every operation emits, so the CLI can print them, the agent
 * can stream them and the hub can audit them. Named `engine:<noun>:<verb>`.
 */
export type EngineEvent =
  | { type: 'engine:layer:ingest'; digest?: string; bytes: number }
  | { type: 'engine:image:imported'; id: string; ref?: string }
  | { type: 'engine:image:loaded'; id: string; ref?: string; replaced?: string }
  | { type: 'engine:image:saved'; ids: string[]; bytes: number }
  | { type: 'engine:image:tagged'; id: string; ref: string }
  | { type: 'engine:image:untagged'; id: string; ref: string }
  | { type: 'engine:image:deleted'; id: string }
  | { type: 'engine:build:step'; step: number; name: string }
  | { type: 'engine:build:cached'; step: number }
  | { type: 'engine:build:log'; step: number; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'engine:build:done'; step: number; durationMs: number }
  | { type: 'engine:build:failed'; step: number; error: string };

/** Who asks and where to report: passed to every operation. */
export interface OperationContext {
  /** The actor: a hub user, an API token, or `os:<user>` for the CLI. */
  actor: string;
  onEvent?: (event: EngineEvent) => void;
}

export function emit(ctx: OperationContext, event: EngineEvent): void {
  ctx.onEvent?.(event);
}
