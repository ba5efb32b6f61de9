import type { Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { familiarString, parseNormalizedNamed } from '../reference/index.js';
import type { ImageStore } from '../store/image-store.js';

export interface HistoryItem {
  /** The image this entry created, or `<missing>` when no local image is it. */
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
  tags: string[];
}

/**
 * `docker history`: config history newest first; each non-empty entry is paired
 * with its layer's size; IDs are filled in by walking the local parent chain.
 */
export function imageHistory(images: ImageStore, id: Digest): HistoryItem[] {
  const config = images.config(id);
  const layers = images.layers(id);
  let layerIndex = 0;
  const items: HistoryItem[] = [];
  for (const h of config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      const layer = layers[layerIndex++];
      if (!layer) throw new DrydockError('invalid-archive', 'too many non-empty layers in History section');
      size = layer.unpackedSize;
    }
    items.unshift({ id: '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size, comment: h.comment ?? '', tags: [] });
  }
  let current: Digest | null = id;
  for (const item of items) {
    if (!current) break;
    item.id = current;
    item.tags = images
      .refsOf(current)
      .filter((r) => r.tag !== null)
      .map((r) => familiarString(parseNormalizedNamed(r.name)));
    current = images.get(current)?.parent ?? null;
  }
  return items;
}
