import { sha256, type Digest } from '../digest.js';
import type { Db } from '../store/database.js';
import type { ImageStore } from '../store/image-store.js';

/**
 * The layer cache, shared by every process on the host and kept across
 * restarts: a step's key — its parent image, the expanded instruction and
 * its inputs (build args in effect, the content hash of COPY sources) — maps
 * to the image that step produced.
 */
export class BuildCache {
  constructor(
    private readonly db: Db,
    private readonly images: ImageStore,
  ) {}

  static key(parent: Digest | 'scratch', instruction: string, inputs: unknown = null): string {
    return sha256(JSON.stringify([parent, instruction, inputs]));
  }

  /** The cached result, if its image still exists. */
  get(key: string): Digest | undefined {
    const row = this.db.prepare('SELECT image_id FROM build_cache WHERE key = ?').get(key) as { image_id: Digest } | undefined;
    return row && this.images.get(row.image_id) ? row.image_id : undefined;
  }

  put(key: string, imageId: Digest): void {
    this.db.prepare('INSERT OR REPLACE INTO build_cache (key, image_id, created_ms) VALUES (?, ?, ?)').run(key, imageId, Date.now());
  }

  /** How many entries still lead to an image. */
  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM build_cache c JOIN images i ON i.id = c.image_id').get() as { n: number }).n;
  }

  /** `builder prune`: forgets every entry; returns how many there were. */
  prune(): number {
    return this.db.prepare('DELETE FROM build_cache').run().changes;
  }
}
