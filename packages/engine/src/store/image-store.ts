import { chainIds, shortId, type Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import type { ImageConfig } from '../image/config.js';
import type { ContentStore, StagedBlob } from './content-store.js';
import { writeTransaction, type Db } from './database.js';

/** A layer to register with an image: staged when its blob is new to the store. */
export interface LayerInput {
  diffId: Digest;
  size: number;
  unpackedSize: number;
  staged?: StagedBlob;
}

export interface ImageRecord {
  id: Digest;
  created: string;
  createdMs: number;
  size: number;
  parent: Digest | null;
  labels: Record<string, string>;
  addedMs: number;
  lastTagMs: number | null;
  /** Made by a build on the way to its result (hidden from `images` without -a). */
  intermediate: boolean;
}

export interface RefRecord {
  name: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  imageId: Digest;
}

export interface LayerRecord {
  diffId: Digest;
  chainId: Digest;
  size: number;
  unpackedSize: number;
}

interface ImageRow {
  id: string;
  created: string;
  created_ms: number;
  size: number;
  parent: string | null;
  labels: string;
  added_ms: number;
  last_tag_ms: number | null;
  intermediate: number;
}

/**
 * Images, their layers and the names pointing at them, over one SQLite
 * database shared by every process on the host. Every mutation is one write
 * transaction that also publishes or trashes the blobs it adds or drops (see
 * ContentStore), so a concurrent reader sees an image whole or not at all.
 */
export class ImageStore {
  constructor(
    private readonly db: Db,
    private readonly content: ContentStore,
  ) {}

  /**
   * Records an image and optionally points `refs` at it, publishing staged
   * blobs. Layers not staged must already be in the store; if a concurrent
   * removal took one away meanwhile, this fails with `conflict` and changes nothing.
   */
  register(input: { config: ImageConfig; configBlob: StagedBlob; layers: LayerInput[]; parent?: Digest; refs?: RefInput[]; intermediate?: boolean }): Digest {
    const id = input.configBlob.digest;
    const diffIds = input.config.rootfs.diff_ids;
    const chains = chainIds(diffIds);
    const createdMs = Date.parse(input.config.created ?? '') || 0;
    const size = input.layers.reduce((n, l) => n + l.unpackedSize, 0);
    const labels = JSON.stringify(input.config.config?.Labels ?? {});
    try {
      writeTransaction(this.db, () => {
        const insertLayer = this.db.prepare('INSERT OR IGNORE INTO layers (diff_id, size, unpacked_size) VALUES (?, ?, ?)');
        for (const layer of input.layers) {
          if (layer.staged) this.content.publish(layer.staged);
          else if (!this.content.has(layer.diffId)) {
            throw new DrydockError('conflict', `layer ${layer.diffId} was removed while this image was being stored; try again`);
          }
          insertLayer.run(layer.diffId, layer.size, layer.unpackedSize);
        }
        this.content.publish(input.configBlob);
        const existing = this.db.prepare('SELECT 1 FROM images WHERE id = ?').get(id);
        if (!existing) {
          this.db
            .prepare('INSERT INTO images (id, created, created_ms, size, parent, labels, added_ms, intermediate) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
            .run(id, input.config.created ?? '', createdMs, size, input.parent ?? null, labels, Date.now(), input.intermediate ? 1 : 0);
          const insertImageLayer = this.db.prepare('INSERT INTO image_layers (image_id, position, diff_id, chain_id) VALUES (?, ?, ?, ?)');
          diffIds.forEach((d, i) => insertImageLayer.run(id, i, d, chains[i]));
        } else if (!input.intermediate) {
          this.db.prepare('UPDATE images SET intermediate = 0 WHERE id = ?').run(id);
        }
        for (const ref of input.refs ?? []) this.setRef(ref, id);
      });
    } catch (err) {
      for (const l of input.layers) if (l.staged) this.content.discard(l.staged);
      this.content.discard(input.configBlob);
      throw err;
    }
    return id;
  }

  get(id: Digest): ImageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && toRecord(row);
  }

  /** Images whose ID starts with `hexPrefix`, at most two (enough to detect ambiguity). */
  findByPrefix(hexPrefix: string): Digest[] {
    const rows = this.db
      .prepare("SELECT id FROM images WHERE id >= ? AND id < ? ORDER BY id LIMIT 2")
      .all(`sha256:${hexPrefix}`, `sha256:${hexPrefix}\uffff`) as { id: Digest }[];
    return rows.map((r) => r.id);
  }

  all(): ImageRecord[] {
    return (this.db.prepare('SELECT * FROM images ORDER BY created_ms DESC, id').all() as ImageRow[]).map(toRecord);
  }

  config(id: Digest): ImageConfig {
    return JSON.parse(this.content.read(id).toString('utf8')) as ImageConfig;
  }

  layers(id: Digest): LayerRecord[] {
    return (this.db.prepare(`${IMAGE_LAYERS} WHERE il.image_id = ? ORDER BY il.position`).all(id) as ImageLayerRow[]).map(toLayer);
  }

  /** Every image's layers, bottom first, in one query (for totals over the whole store). */
  layersByImage(): Map<Digest, LayerRecord[]> {
    const out = new Map<Digest, LayerRecord[]>();
    for (const r of this.db.prepare(`${IMAGE_LAYERS} ORDER BY il.image_id, il.position`).all() as ImageLayerRow[]) {
      const list = out.get(r.image_id) ?? [];
      list.push(toLayer(r));
      out.set(r.image_id, list);
    }
    return out;
  }

  layerRecord(diffId: Digest): { size: number; unpackedSize: number } | undefined {
    const row = this.db.prepare('SELECT size, unpacked_size FROM layers WHERE diff_id = ?').get(diffId) as { size: number; unpacked_size: number } | undefined;
    return row && { size: row.size, unpackedSize: row.unpacked_size };
  }

  /** The layer's record when its row and its blob are both in the store (as `hasLayer`). */
  storedLayer(diffId: Digest): { size: number; unpackedSize: number } | undefined {
    return this.content.has(diffId) ? this.layerRecord(diffId) : undefined;
  }

  hasLayer(diffId: Digest): boolean {
    return this.db.prepare('SELECT 1 FROM layers WHERE diff_id = ?').get(diffId) !== undefined && this.content.has(diffId);
  }

  refsOf(id: Digest): RefRecord[] {
    return (this.db.prepare('SELECT * FROM refs WHERE image_id = ? ORDER BY name').all(id) as RefRow[]).map(toRef);
  }

  allRefs(): RefRecord[] {
    return (this.db.prepare('SELECT * FROM refs ORDER BY name').all() as RefRow[]).map(toRef);
  }

  ref(name: string): RefRecord | undefined {
    const row = this.db.prepare('SELECT * FROM refs WHERE name = ?').get(name) as RefRow | undefined;
    return row && toRef(row);
  }

  children(id: Digest): Digest[] {
    return (this.db.prepare('SELECT id FROM images WHERE parent = ?').all(id) as { id: Digest }[]).map((r) => r.id);
  }

  /** IDs of images that are the parent of some image. */
  parents(): Set<Digest> {
    return new Set((this.db.prepare('SELECT DISTINCT parent FROM images WHERE parent IS NOT NULL').all() as { parent: Digest }[]).map((r) => r.parent));
  }

  /** Points a name at an image, moving it if it pointed elsewhere. */
  tag(ref: RefInput, id: Digest): void {
    writeTransaction(this.db, () => {
      if (!this.db.prepare('SELECT 1 FROM images WHERE id = ?').get(id)) {
        throw new DrydockError('not-found', `No such image: ${shortId(id)}`);
      }
      this.setRef(ref, id);
    });
  }

  /** Makes a build's result a regular image (listed by `images`) and names it. */
  finalize(id: Digest, refs: RefInput[]): void {
    writeTransaction(this.db, () => {
      this.db.prepare('UPDATE images SET intermediate = 0 WHERE id = ?').run(id);
      for (const ref of refs) this.setRef(ref, id);
    });
  }

  /** Removes a name; returns whether it existed. */
  untag(name: string): boolean {
    return this.db.prepare('DELETE FROM refs WHERE name = ?').run(name).changes > 0;
  }

  /**
   * Deletes an image record, then every layer and blob no other image uses.
   * `guard` runs inside the transaction and may throw to abort (a concurrent
   * process could have tagged the image meanwhile). Returns the chain IDs of
   * the layers released, top first, as Docker reports them.
   */
  delete(id: Digest, guard: () => void = () => {}): Digest[] {
    const released: Digest[] = [];
    const batch = this.content.newTrashBatch();
    try {
    writeTransaction(this.db, () => {
      guard();
      const layers = this.layers(id);
      this.db.prepare('DELETE FROM refs WHERE image_id = ?').run(id);
      this.db.prepare('UPDATE images SET parent = NULL WHERE parent = ?').run(id);
      if (this.db.prepare('DELETE FROM images WHERE id = ?').run(id).changes === 0) {
        throw new DrydockError('not-found', `No such image: ${shortId(id)}`);
      }
      this.content.remove(id, batch);
      const chainUsed = this.db.prepare('SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1');
      const diffUsed = this.db.prepare('SELECT 1 FROM image_layers WHERE diff_id = ? LIMIT 1');
      for (const layer of [...layers].reverse()) {
        if (!chainUsed.get(layer.chainId)) released.push(layer.chainId);
        if (!diffUsed.get(layer.diffId)) {
          this.db.prepare('DELETE FROM layers WHERE diff_id = ?').run(layer.diffId);
          this.content.remove(layer.diffId, batch);
        }
      }
    });
    } catch (err) {
      this.content.restoreTrash(batch);
      throw err;
    }
    this.content.emptyTrash(batch);
    return released;
  }

  /** Runs `fn` in one write transaction (for multi-step operations such as rm). */
  transaction<T>(fn: () => T): T {
    return writeTransaction(this.db, fn);
  }

  /** Whether a blob is referenced by any image (as config or layer). */
  isReferenced(digest: Digest): boolean {
    return (
      this.db.prepare('SELECT 1 FROM images WHERE id = ?').get(digest) !== undefined ||
      this.db.prepare('SELECT 1 FROM layers WHERE diff_id = ?').get(digest) !== undefined
    );
  }

  private setRef(ref: RefInput, id: Digest): void {
    this.db
      .prepare(
        `INSERT INTO refs (name, repository, tag, digest, image_id, created_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, created_ms = excluded.created_ms`,
      )
      .run(ref.name, ref.repository, ref.tag ?? null, ref.digest ?? null, id, Date.now());
    this.db.prepare('UPDATE images SET last_tag_ms = ? WHERE id = ?').run(Date.now(), id);
  }
}

export interface RefInput {
  name: string;
  repository: string;
  tag?: string;
  digest?: string;
}

interface RefRow {
  name: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  image_id: Digest;
}

function toRef(r: RefRow): RefRecord {
  return { name: r.name, repository: r.repository, tag: r.tag, digest: r.digest, imageId: r.image_id };
}

function toRecord(r: ImageRow): ImageRecord {
  return {
    id: r.id as Digest,
    created: r.created,
    createdMs: r.created_ms,
    size: r.size,
    parent: (r.parent as Digest | null) ?? null,
    labels: JSON.parse(r.labels) as Record<string, string>,
    addedMs: r.added_ms,
    lastTagMs: r.last_tag_ms,
    intermediate: r.intermediate === 1,
  };
}

const IMAGE_LAYERS = 'SELECT il.image_id, il.diff_id, il.chain_id, l.size, l.unpacked_size FROM image_layers il JOIN layers l ON l.diff_id = il.diff_id';

interface ImageLayerRow {
  image_id: Digest;
  diff_id: Digest;
  chain_id: Digest;
  size: number;
  unpacked_size: number;
}

function toLayer(r: ImageLayerRow): LayerRecord {
  return { diffId: r.diff_id, chainId: r.chain_id, size: r.size, unpackedSize: r.unpacked_size };
}
