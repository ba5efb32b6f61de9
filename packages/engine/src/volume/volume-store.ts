import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DrydockError } from '../errors.js';
import { writeTransaction, type Db } from '../store/database.js';
import { validateVolumeName } from './names.js';

/** A volume of the `local` driver: a directory under the state root, with its metadata. */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  createdMs: number;
  labels: Record<string, string>;
  /** Made for one container (`-v /path`, an image VOLUME); named by a random 64-hex ID. */
  anonymous: boolean;
}

interface Row {
  name: string;
  driver: 'local';
  created_ms: number;
  labels: string;
  anonymous: number;
}

/**
 * Volume records (SQLite) and their data directories, `<dir>/<name>/_data`
 * as dockerd lays them out. Several processes share one store: creating is
 * idempotent under the write lock, and removal checks the containers that
 * use a volume in the same transaction that deletes it. Which containers use
 * a volume is read from their HostConfig (`volumeMounts`), so a container
 * record and the volumes it names are always written together.
 */
export class VolumeStore {
  constructor(
    private readonly db: Db,
    /** `<root>/volumes` */
    private readonly dir: string,
  ) {}

  /** Where a volume's data lives on the host (Docker's `Mountpoint`). */
  dataPath(name: string): string {
    return join(this.dir, name, '_data');
  }

  /**
   * Creates the volume unless it exists, and returns it as stored: creating
   * an existing name is not an error (Docker's rule), and two processes
   * creating one name at once both get the one volume.
   */
  ensure(name: string, opts: { labels?: Record<string, string>; anonymous?: boolean } = {}): VolumeRecord {
    validateVolumeName(name);
    return writeTransaction(this.db, () => {
      this.db
        .prepare('INSERT INTO volumes (name, created_ms, labels, anonymous) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING')
        .run(name, Date.now(), JSON.stringify(opts.labels ?? {}), opts.anonymous ? 1 : 0);
      try {
        mkdirSync(this.dataPath(name), { recursive: true, mode: 0o755 });
      } catch (err) {
        throw new DrydockError('io', `create ${name}: ${(err as Error).message}`, { cause: err });
      }
      return this.get(name)!;
    });
  }

  /**
   * Runs `fn`, which records a container that uses `volumes`, in the write
   * transaction that makes sure they exist: a concurrent `volume rm` sees
   * either the volume unused or the container using it, never a container
   * whose volume is gone. If `fn` throws, no volume it brought is left.
   */
  using<T>(volumes: readonly { name: string; anonymous: boolean }[], fn: () => T): T {
    try {
      return writeTransaction(this.db, () => {
        for (const v of volumes) this.ensure(v.name, { anonymous: v.anonymous });
        return fn();
      });
    } catch (err) {
      // Rolled back: the directories made for volumes that are not recorded go too.
      writeTransaction(this.db, () => {
        for (const v of volumes) if (!this.get(v.name)) rmSync(join(this.dir, v.name), { recursive: true, force: true });
      });
      throw err;
    }
  }

  /** Held while a volume is filled from an image (two containers created at once must not both copy). */
  copyLock(name: string): string {
    return join(this.dir, `.${name}.copy-lock`);
  }

  get(name: string): VolumeRecord | undefined {
    const row = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return row && toRecord(row);
  }

  /** The volume, or `not-found` with dockerd's text. */
  resolve(name: string): VolumeRecord {
    const v = this.get(name);
    if (!v) throw new DrydockError('not-found', `get ${name}: no such volume`);
    return v;
  }

  all(): VolumeRecord[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as Row[]).map(toRecord);
  }

  /** IDs of the containers (running or not) that mount the volume, oldest first. */
  users(name: string): string[] {
    return this.usersBy(`${USERS} WHERE json_extract(m.value, '$.name') = ? ORDER BY c.created_ms`, name).get(name) ?? [];
  }

  /** Every volume's users (as `users`), in one query: for listing all volumes. */
  usersByVolume(): Map<string, string[]> {
    return this.usersBy(`${USERS} ORDER BY c.created_ms`);
  }

  private usersBy(sql: string, ...params: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.db.prepare(sql).all(...params) as { name: string; id: string }[]) {
      const list = out.get(r.name) ?? [];
      if (!list.includes(r.id)) list.push(r.id);
      out.set(r.name, list);
    }
    return out;
  }

  /**
   * Deletes the volume and its data unless a container uses it (`conflict`,
   * dockerd's text). With `force`, a missing volume is not an error; a used
   * one still is, as in Docker. Returns whether a volume was removed.
   */
  remove(name: string, opts: { force?: boolean } = {}): boolean {
    const trash = join(this.dir, `.removing-${randomBytes(8).toString('hex')}`);
    const removed = writeTransaction(this.db, () => {
      if (!this.get(name)) {
        if (opts.force) return false;
        throw new DrydockError('not-found', `get ${name}: no such volume`);
      }
      const users = this.users(name);
      if (users.length > 0) throw new DrydockError('conflict', `remove ${name}: volume is in use - [${users.join(' ')}]`);
      this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
      // Moved aside under the lock: a create of the same name right after gets a fresh, empty directory.
      try {
        renameSync(join(this.dir, name), trash);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new DrydockError('io', `remove ${name}: ${(err as Error).message}`, { cause: err });
      }
      return true;
    });
    rmSync(trash, { recursive: true, force: true });
    return removed;
  }
}

const USERS = `SELECT json_extract(m.value, '$.name') AS name, c.id FROM containers c, json_each(c.host_config, '$.volumeMounts') m`;

function toRecord(r: Row): VolumeRecord {
  return { name: r.name, driver: r.driver, createdMs: r.created_ms, labels: JSON.parse(r.labels) as Record<string, string>, anonymous: r.anonymous === 1 };
}
