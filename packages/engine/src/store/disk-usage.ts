import type { ImageStore } from './image-store.js';

export interface UsageRow {
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

/** `docker system df`: what each kind of object takes on disk. */
export interface DiskUsage {
  images: UsageRow;
  containers: UsageRow;
  volumes: UsageRow;
  buildCache: UsageRow;
}

/**
 * `docker system df`'s Images and Build Cache rows. Images are the built or
 * pulled ones; a build's intermediate images (one per cached step) are the
 * build cache, as BuildKit keeps them out of the image list. Layers count once
 * however many images share them, and a layer any image uses counts there,
 * not in the cache. An image is active while a container uses it; what is not
 * reclaimable is, as docker/cli counts it, the active images' unique layers.
 * The cache is all reclaimable, as `builder prune` frees it.
 */
export function imageUsage(images: ImageStore, inUse: ReadonlySet<string>, cacheEntries = 0): { images: UsageRow; buildCache: UsageRow } {
  const all = images.all();
  const layers = new Map<string, { size: number; users: number }>();
  const layersOf = images.layersByImage();
  for (const img of all) {
    for (const l of layersOf.get(img.id) ?? []) {
      const seen = layers.get(l.diffId) ?? { size: l.unpackedSize, users: 0 };
      if (!img.intermediate) seen.users++;
      layers.set(l.diffId, seen);
    }
  }
  let size = 0;
  let cacheSize = 0;
  for (const l of layers.values()) {
    if (l.users > 0) size += l.size;
    else cacheSize += l.size;
  }
  let used = 0;
  let active = 0;
  const finals = all.filter((img) => !img.intermediate);
  for (const img of finals) {
    if (!inUse.has(img.id)) continue;
    active++;
    for (const l of layersOf.get(img.id) ?? []) if (layers.get(l.diffId)?.users === 1) used += l.unpackedSize;
  }
  return {
    images: { total: finals.length, active, size, reclaimable: size - used },
    buildCache: { total: cacheEntries, active: 0, size: cacheSize, reclaimable: cacheSize },
  };
}
