import { DrydockError } from './errors.js';

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
  | { type: 'engine:build:failed'; step: number; error: string }
  /** A line of a push or pull about the whole image: `The push refers to repository [...]`, `latest: Pulling from library/debian`. */
  | { type: 'engine:registry:status'; text: string }
  /** One layer's progress, with Docker's statuses; `current`/`total` bytes while moving. */
  | { type: 'engine:registry:layer'; id: string; status: LayerStatus; current?: number; total?: number; from?: string }
  | { type: 'engine:image:pushed'; ref: string; digest: string; size: number }
  | { type: 'engine:image:pulled'; ref: string; id: string; digest: string; updated: boolean };

/** Docker's per-layer progress statuses for push and pull. */
export type LayerStatus =
  | 'Preparing'
  | 'Waiting'
  | 'Pushing'
  | 'Pushed'
  | 'Layer already exists'
  | 'Mounted from'
  | 'Pulling fs layer'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Extracting'
  | 'Pull complete'
  | 'Already exists'
  | 'Retrying';

/** Who asks and where to report: passed to every operation. */
export interface OperationContext {
  /** The actor: a hub user, an API token, or `os:<user>` for the CLI. */
  actor: string;
  onEvent?: (event: EngineEvent) => void;
  /**
   * Aborts the operation midway where it supports that: a build kills its
   * running step's container and tags nothing; a pull or push aborts its
   * registry requests. It then fails with `cancelled`.
   */
  signal?: AbortSignal;
}

/** Throws `cancelled` when the operation's signal has fired. */
export function checkCancelled(ctx: Pick<OperationContext, 'signal'>, what = 'the operation'): void {
  if (ctx.signal?.aborted) throw new DrydockError('cancelled', `${what} was cancelled`);
}

export function emit(ctx: OperationContext, event: EngineEvent): void {
  ctx.onEvent?.(event);
}
