import { randomBytes } from 'node:crypto';
import { chainIdOf, type Digest } from '../digest.js';
import { ETC_FILES } from '../container/paths.js';
import { TarInspector } from '../layers/tar-inspector.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import type { ContentStore, StagedBlob } from '../store/content-store.js';
import type { LayerRecord } from '../store/image-store.js';

/** A layer a step produced, staged and waiting to be registered with the step's image. */
export interface NewLayer {
  diffId: Digest;
  size: number;
  unpackedSize: number;
  staged: StagedBlob;
}

/**
 * Runs one filesystem-changing build step (RUN, COPY, ADD, WORKDIR): the
 * parent's layers are unpacked (once per host), an overlay is mounted over
 * them, `change` edits the mounted root, and the upper dir becomes the new
 * layer. The snapshot is removed whatever happens. As with BuildKit, the
 * mount points the runtime creates (/dev, /proc, /sys) stay in the layer; the
 * /etc files it bind-mounts do not, nor the paths `change` returns to exclude.
 */
export async function withLayerStep(
  deps: { snapshotter: Snapshotter; content: ContentStore; open: (diffId: Digest) => NodeJS.ReadableStream & import('node:stream').Readable },
  parentLayers: readonly LayerRecord[],
  change: (root: string, key: string) => Promise<void | { exclude?: string[] }>,
  opts: { clampMtime?: number } = {},
): Promise<NewLayer> {
  const { snapshotter } = deps;
  await snapshotter.prepareLayers(parentLayers.map((l) => ({ diffId: l.diffId, chainId: l.chainId, open: () => deps.open(l.diffId) })));
  const key = `build-${randomBytes(12).toString('hex')}`;
  const parent = parentLayers.at(-1)?.chainId ?? null;
  const plan = await snapshotter.prepare(key, parent);
  let layer: NewLayer;
  let exclude: string[] = [];
  try {
    snapshotter.mount(plan);
    try {
      exclude = [...ETC_FILES, ...((await change(plan.target, key))?.exclude ?? [])];
    } finally {
      snapshotter.unmount(plan.target, { lazy: true });
    }
    const inspector = new TarInspector('build layer', { allowEmpty: true });
    const staged = await deps.content.ingest(snapshotter.layerTar(key, { excludePaths: exclude, ...opts }), { transforms: [inspector] });
    layer = { diffId: staged.digest, size: staged.size, unpackedSize: inspector.summary.unpackedSize, staged };
  } catch (err) {
    snapshotter.remove(key);
    throw err;
  }
  // The upper dir is the new layer's unpacked form: keep it for the next step instead of unpacking the tar again.
  snapshotter.commitUpper(key, { chainId: chainIdOf(parent, layer.diffId), diffId: layer.diffId, parent }, exclude);
  return layer;
}
