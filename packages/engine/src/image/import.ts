import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import { emit, type OperationContext } from '../events.js';
import { decompress } from '../layers/decompress.js';
import { TarInspector } from '../layers/tar-inspector.js';
import { formatReference, type Reference } from '../reference/index.js';
import { refInput } from './ref-input.js';
import type { ContentStore } from '../store/content-store.js';
import type { ImageStore } from '../store/image-store.js';
import { hostPlatform, rfc3339Nano } from '../time.js';
import { emptyContainerConfig, serializeConfig, type ContainerConfig, type ImageConfig } from './config.js';

export interface ImportOptions {
  /** Where the tarball came from, for the default comment ("Imported from -"). */
  source: string;
  message?: string;
  /** Applies `--change` instructions to the new image's container config. */
  applyChanges?: (config: ContainerConfig) => ContainerConfig;
  ref?: Reference;
}

/**
 * `docker import`: a rootfs tarball (plain or compressed) becomes a one-layer
 * image whose config is Docker's, with the changes applied. The layer is the
 * decompressed tar byte for byte, so its diff ID is that tar's digest.
 */
export async function importImage(
  deps: { content: ContentStore; images: ImageStore },
  ctx: OperationContext,
  input: Readable,
  opts: ImportOptions,
): Promise<Digest> {
  const config = (opts.applyChanges ?? ((c) => c))(emptyContainerConfig());
  const { stream } = await decompress(input);
  const inspector = new TarInspector('rootfs');
  const layer = await deps.content.ingest(stream, { transforms: [inspector] });
  emit(ctx, { type: 'engine:layer:ingest', digest: layer.digest, bytes: layer.size });

  const created = rfc3339Nano(new Date());
  const comment = opts.message || `Imported from ${opts.source}`;
  const imageConfig: ImageConfig = {
    ...hostPlatform(),
    comment,
    config,
    created,
    history: [{ created, comment }],
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  };
  const configBlob = deps.content.stageBytes(serializeConfig(imageConfig));
  const ref = opts.ref;
  const id = deps.images.register({
    config: imageConfig,
    configBlob,
    layers: [{ diffId: layer.digest, size: layer.size, unpackedSize: inspector.summary.unpackedSize, staged: layer }],
    refs: ref ? [refInput(ref)] : [],
  });
  emit(ctx, { type: 'engine:image:imported', id, ...(ref ? { ref: formatReference(ref) } : {}) });
  return id;
}
