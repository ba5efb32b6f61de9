import type { Digest } from '../digest.js';
import { emit, type OperationContext } from '../events.js';
import { parseChanges } from '../image/changes.js';
import { serializeConfig, type ImageConfig } from '../image/config.js';
import { refInput } from '../image/ref-input.js';
import { parseTagTarget } from '../image/resolve.js';
import { TarInspector } from '../layers/tar-inspector.js';
import { familiarString } from '../reference/index.js';
import { rfc3339Nano } from '../time.js';
import type { ContainerDeps } from './deps.js';
import { ETC_MOUNTS } from './paths.js';
import { containerSummary } from './status.js';

export interface CommitOptions {
  author?: string;
  message?: string;
  /** `--change` Dockerfile instructions applied to the new image's config. */
  changes?: string[];
  /** Freeze the container while its changes are read (Docker's default). */
  pause?: boolean;
  ref?: string;
}

/**
 * `docker commit`: the container's changes become one layer (OCI whiteouts
 * for deletions) on top of its image. The config is the container's with the
 * changes applied; history gains an entry with the author, the command and
 * the message. A container with no changes adds an empty-layer entry only.
 */
export async function commitContainer(deps: ContainerDeps, ctx: OperationContext, idOrName: string, opts: CommitOptions = {}): Promise<Digest> {
  const ref = opts.ref ? parseTagTarget(opts.ref) : undefined;
  const apply = parseChanges(opts.changes ?? []);
  const record = deps.containers.resolve(idOrName);
  const base = deps.images.config(record.imageId);
  const summary = await containerSummary(deps, record);
  const pause = (opts.pause ?? true) && summary.status === 'running';
  const runtime = deps.runtime();
  if (pause) await runtime.pause(record.id);
  let layer;
  let inspector: TarInspector;
  let empty: boolean;
  try {
    empty = deps.snapshotter.changes(record.id, { excludePaths: ETC_MOUNTS }).length === 0;
    inspector = new TarInspector('container layer');
    layer = empty ? undefined : await deps.content.ingest(deps.snapshotter.layerTar(record.id, { excludePaths: ETC_MOUNTS }), { transforms: [inspector] });
  } finally {
    if (pause) await runtime.resume(record.id);
  }

  const created = rfc3339Nano(new Date());
  const containerConfig = record.config;
  const config: ImageConfig = {
    architecture: base.architecture,
    os: base.os,
    ...(base.variant ? { variant: base.variant } : {}),
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.message ? { comment: opts.message } : {}),
    config: apply(structuredClone(containerConfig)),
    container: record.id,
    container_config: containerConfig,
    created,
    history: [
      ...(base.history ?? []),
      {
        created,
        ...(opts.author ? { author: opts.author } : {}),
        created_by: [...(containerConfig.Entrypoint ?? []), ...(containerConfig.Cmd ?? [])].join(' '),
        ...(opts.message ? { comment: opts.message } : {}),
        ...(empty ? { empty_layer: true } : {}),
      },
    ],
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...(layer ? [layer.digest] : [])] },
  };
  const existing = deps.images.layers(record.imageId).map((l) => ({ diffId: l.diffId, size: l.size, unpackedSize: l.unpackedSize }));
  const id = deps.images.register({
    config,
    configBlob: deps.content.stageBytes(serializeConfig(config)),
    layers: [...existing, ...(layer ? [{ diffId: layer.digest, size: layer.size, unpackedSize: inspector.summary.unpackedSize, staged: layer }] : [])],
    parent: record.imageId,
    refs: ref ? [refInput(ref)] : [],
  });
  emit(ctx, { type: 'engine:image:imported', id, ...(ref ? { ref: familiarString(ref) } : {}) });
  return id;
}
