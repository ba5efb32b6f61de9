import { join } from 'node:path';

/**
 * Where things live under the state root. Everything the engine writes stays
 * below `root`; staging directories are on the same filesystem as their
 * destinations so that publishing is a rename.
 *
 *   <root>/drydock.db        SQLite metadata (WAL mode)
 *   <root>/blobs/sha256/<hex> content-addressed blobs (layer tars, configs, manifests)
 *   <root>/ingest/            blobs being written; never read by anyone else
 *   <root>/trash/             blobs being deleted; see ContentStore.recover
 *   <root>/tmp/               scratch space of one operation (archive staging)
 */
export interface StoreLayout {
  root: string;
  database: string;
  blobs: string;
  ingest: string;
  trash: string;
  tmp: string;
}

export function storeLayout(root: string): StoreLayout {
  return {
    root,
    database: join(root, 'drydock.db'),
    blobs: join(root, 'blobs'),
    ingest: join(root, 'ingest'),
    trash: join(root, 'trash'),
    tmp: join(root, 'tmp'),
  };
}
