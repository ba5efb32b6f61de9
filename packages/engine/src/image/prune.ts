import { isDrydockError } from '../errors.js';
import type { OperationContext } from '../events.js';
import type { ImageRecord, ImageStore } from '../store/image-store.js';
import { removeImage, type ContainerUsers, type RemoveRecord } from './remove.js';

export interface PruneResult {
  records: RemoveRecord[];
  /** Bytes of the layers deleted. */
  reclaimed: number;
}

/**
 * `docker image prune [-a]`: deletes dangling images (no tag, no child), or
 * with `all` every image, as the daemon's ImagesPrune does. Images another
 * image depends on are left (their children's deletion prunes them).
 */
export function pruneImages(images: ImageStore, ctx: OperationContext, opts: { all?: boolean; containers?: ContainerUsers; only?: (img: ImageRecord) => boolean }): PruneResult {
  const layerSizes = new Map<string, number>();
  const parents = images.parents();
  const candidates = images.all().filter((img) => (opts.all || !parents.has(img.id)) && (opts.only?.(img) ?? true));
  const records: RemoveRecord[] = [];
  for (const img of candidates) {
    if (!images.get(img.id)) continue; // already pruned as someone's parent
    for (const l of images.layers(img.id)) layerSizes.set(l.chainId, l.unpackedSize);
    if ((opts.containers?.(img.id) ?? []).length > 0) continue;
    const refs = images.refsOf(img.id);
    if (!opts.all && refs.some((r) => r.tag !== null)) continue;
    try {
      if (refs.length === 0) records.push(...removeImage(images, ctx, img.id, { prune: true, ...(opts.containers ? { containers: opts.containers } : {}) }));
      else for (const r of refs) if (images.ref(r.name)) records.push(...removeImage(images, ctx, r.name, { prune: true, ...(opts.containers ? { containers: opts.containers } : {}) }));
    } catch (err) {
      if (!isDrydockError(err, 'conflict') && !isDrydockError(err, 'not-found')) throw err;
    }
  }
  const reclaimed = records.reduce((n, r) => n + ('deleted' in r ? (layerSizes.get(r.deleted) ?? 0) : 0), 0);
  return { records, reclaimed };
}
