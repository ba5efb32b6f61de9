import type { Digest } from '../digest.js';
import type { Db } from '../store/database.js';

/** A compressed blob a stored layer is known by on registries. */
export interface LayerBlob {
  digest: Digest;
  diffId: Digest;
  size: number;
  mediaType: string;
}

/**
 * What the store remembers about registry blobs (Docker's v2 distribution
 * metadata): which compressed blobs decompress to which stored layer, and in
 * which repositories each blob was seen. Rows are hints, checked before use:
 * a push still HEADs the blob, a pull still verifies every digest.
 */
export class BlobMetadata {
  constructor(private readonly db: Db) {}

  forDiffId(diffId: Digest): LayerBlob[] {
    return (
      this.db.prepare('SELECT digest, diff_id, size, media_type FROM layer_blobs WHERE diff_id = ? ORDER BY digest').all(diffId) as {
        digest: Digest;
        diff_id: Digest;
        size: number;
        media_type: string;
      }[]
    ).map((r) => ({ digest: r.digest, diffId: r.diff_id, size: r.size, mediaType: r.media_type }));
  }

  byDigest(digest: string): LayerBlob | undefined {
    const r = this.db.prepare('SELECT digest, diff_id, size, media_type FROM layer_blobs WHERE digest = ?').get(digest) as
      | { digest: Digest; diff_id: Digest; size: number; media_type: string }
      | undefined;
    return r && { digest: r.digest, diffId: r.diff_id, size: r.size, mediaType: r.media_type };
  }

  /** Records a blob and where it was seen; idempotent. */
  remember(blob: LayerBlob | undefined, source: { digest: Digest; registry: string; repository: string }): void {
    this.db.transaction(() => {
      if (blob) {
        this.db.prepare('INSERT OR REPLACE INTO layer_blobs (digest, diff_id, size, media_type) VALUES (?, ?, ?, ?)').run(blob.digest, blob.diffId, blob.size, blob.mediaType);
      }
      this.db
        .prepare('INSERT INTO blob_sources (digest, registry, repository, seen_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET seen_ms = excluded.seen_ms')
        .run(source.digest, source.registry, source.repository, Date.now());
    }).immediate();
  }

  /** Other repositories of `registry` where `digest` was seen, most recent first. */
  sources(digest: Digest, registry: string, except: string): string[] {
    return (
      this.db
        .prepare('SELECT repository FROM blob_sources WHERE digest = ? AND registry = ? AND repository != ? ORDER BY seen_ms DESC LIMIT 3')
        .all(digest, registry, except) as { repository: string }[]
    ).map((r) => r.repository);
  }

  /** Forgets that `digest` is in `repository` (a HEAD or mount said otherwise). */
  forgetSource(digest: Digest, registry: string, repository: string): void {
    this.db.prepare('DELETE FROM blob_sources WHERE digest = ? AND registry = ? AND repository = ?').run(digest, registry, repository);
  }
}
