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
 * Images count each layer once however many images share it. An image is
 * active while a container uses it; none do until containers exist in the store.
 */
export function diskUsage(images: ImageStore): DiskUsage {
  const all = images.all();
  const layers = new Map<string, number>();
  for (const img of all) for (const l of images.layers(img.id)) layers.set(l.diffId, l.unpackedSize);
  const size = [...layers.values()].reduce((a, b) => a + b, 0);
  const empty: UsageRow = { total: 0, active: 0, size: 0, reclaimable: 0 };
  return {
    images: { total: all.length, active: 0, size, reclaimable: size },
    containers: empty,
    volumes: empty,
    buildCache: empty,
  };
}
