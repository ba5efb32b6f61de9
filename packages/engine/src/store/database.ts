import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order, each once (tracked by `user_version`).
 * Append only: never edit a migration that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE layers (
    diff_id        TEXT PRIMARY KEY,       -- sha256 of the uncompressed tar
    size           INTEGER NOT NULL,       -- bytes of the uncompressed tar (the blob)
    unpacked_size  INTEGER NOT NULL        -- file bytes + symlink targets, as Docker counts
  );
  CREATE TABLE images (
    id             TEXT PRIMARY KEY,       -- digest of the config blob
    created        TEXT NOT NULL,          -- config.created, RFC 3339 as written
    created_ms     INTEGER NOT NULL,
    size           INTEGER NOT NULL,       -- sum of unpacked layer sizes
    parent         TEXT,                   -- local parent image (builds, commits)
    labels         TEXT NOT NULL DEFAULT '{}',
    added_ms       INTEGER NOT NULL,
    last_tag_ms    INTEGER
  );
  CREATE INDEX images_created ON images(created_ms);
  CREATE INDEX images_parent ON images(parent);
  CREATE TABLE image_layers (
    image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    diff_id   TEXT NOT NULL REFERENCES layers(diff_id),
    chain_id  TEXT NOT NULL,
    PRIMARY KEY (image_id, position)
  );
  CREATE INDEX image_layers_diff ON image_layers(diff_id);
  CREATE INDEX image_layers_chain ON image_layers(chain_id);
  -- Names that point at images: tags (repository:tag) and digests (repository@digest).
  CREATE TABLE refs (
    name        TEXT PRIMARY KEY,          -- fully normalized: docker.io/library/ubuntu:latest
    repository  TEXT NOT NULL,             -- docker.io/library/ubuntu
    tag         TEXT,
    digest      TEXT,
    image_id    TEXT NOT NULL,             -- may outlive the image (rmi -f), as in Docker
    created_ms  INTEGER NOT NULL
  );
  CREATE INDEX refs_image ON refs(image_id);
  -- What was done to the store, by whom: shipped to the hub by the agent.
  CREATE TABLE journal (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms  INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT,
    digest   TEXT,
    detail   TEXT NOT NULL DEFAULT '{}'
  );
  `,
  `
  -- Containers: what was asked for, fixed at create. Runtime state (running,
  -- exit code) lives in each container's directory, written by its supervisor.
  CREATE TABLE containers (
    id          TEXT PRIMARY KEY,          -- 64 hex
    name        TEXT NOT NULL UNIQUE,      -- without Docker's leading '/'
    image_id    TEXT NOT NULL,             -- may outlive the image (rmi -f), as in Docker
    image_name  TEXT NOT NULL,             -- as the user wrote it
    created_ms  INTEGER NOT NULL,
    config      TEXT NOT NULL,             -- Docker's container Config (merged with the image's)
    host_config TEXT NOT NULL,             -- binds, ports, network, limits, auto-remove
    network     TEXT NOT NULL DEFAULT '{}' -- the attachment once started: ip, gateway, netns
  );
  CREATE INDEX containers_image ON containers(image_id);
  `,
  `
  -- The build cache: a step's key (parent image, instruction, inputs) → the image it produced.
  CREATE TABLE build_cache (
    key         TEXT PRIMARY KEY,
    image_id    TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
  );
  CREATE INDEX build_cache_image ON build_cache(image_id);
  -- Images a build made on the way to its result: listed only with images -a.
  ALTER TABLE images ADD COLUMN intermediate INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- Registry blobs known to hold a stored layer (layers are kept uncompressed,
  -- by diff ID): compressed by us for a push, or downloaded by a pull. Lets a
  -- push skip compressing and uploading what a registry already has.
  CREATE TABLE layer_blobs (
    digest      TEXT PRIMARY KEY,          -- digest of the compressed blob
    diff_id     TEXT NOT NULL,             -- digest of the layer tar it decompresses to
    size        INTEGER NOT NULL,
    media_type  TEXT NOT NULL
  );
  CREATE INDEX layer_blobs_diff ON layer_blobs(diff_id);
  -- Where a blob was seen (pushed or pulled), for cross-repository mounts.
  CREATE TABLE blob_sources (
    digest      TEXT NOT NULL,
    registry    TEXT NOT NULL,             -- the reference domain: docker.io, 127.0.0.1:5000
    repository  TEXT NOT NULL,             -- the path: library/debian
    seen_ms     INTEGER NOT NULL,
    PRIMARY KEY (digest, registry, repository)
  );
  `,
  `
  -- Volumes (Docker's "local" driver): data under <root>/volumes/<name>/_data.
  -- Which containers use one is read from their host_config (volumeMounts).
  CREATE TABLE volumes (
    name        TEXT PRIMARY KEY,          -- [a-zA-Z0-9][a-zA-Z0-9_.-]+, or 64 hex when anonymous
    driver      TEXT NOT NULL DEFAULT 'local',
    created_ms  INTEGER NOT NULL,
    labels      TEXT NOT NULL DEFAULT '{}',
    anonymous   INTEGER NOT NULL DEFAULT 0
  );
  `,
];

/** Opens (creating if needed) the metadata database and brings its schema up to date. */
export function openDatabase(path: string): Db {
  const db = new Database(path, { timeout: 30_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current >= MIGRATIONS.length) return;
  db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
    }
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Runs `fn` in a write transaction (BEGIN IMMEDIATE: takes the write lock up front). */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
