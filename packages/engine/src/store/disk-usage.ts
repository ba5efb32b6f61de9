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
 * `docker system df`'s Images row. Layers count once however many images
 * share them. An image is active while a container uses it; what is not
 * reclaimable is, as docker/cli counts it, the active images' unique layers.
 */
export function imageUsage(images: ImageStore, inUse: ReadonlySet<string>): UsageRow {
  const all = images.all();
  const layers = new Map<string, { size: number; users: number }>();
  const layersOf = new Map(all.map((img) => [img.id, images.layers(img.id)]));
  for (const list of layersOf.values()) {
    for (const l of list) {
      const seen = layers.get(l.diffId);
      if (seen) seen.users++;
      else layers.set(l.diffId, { size: l.unpackedSize, users: 1 });
    }
  }
  let size = 0;
  for (const l of layers.values()) size += l.size;
  let used = 0;
  let active = 0;
  for (const img of all) {
    if (!inUse.has(img.id)) continue;
    active++;
    for (const l of layersOf.get(img.id) ?? []) if (layers.get(l.diffId)?.users === 1) used += l.unpackedSize;
  }
  return { total: all.length, active, size, reclaimable: size - used };
}
