import type { Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import type { ContainerConfig } from '../image/config.js';
import type { Db } from '../store/database.js';

/** How a container is to be run, as Docker's HostConfig (the parts we support). */
export interface HostConfig {
  /** `-v` specs with a source (host binds and named volumes), as Docker's HostConfig.Binds. */
  binds: string[];
  /** Docker `-p` specs as given; resolved into mappings at start. */
  publish: string[];
  networkMode: 'bridge' | 'host' | 'none';
  memory?: number;
  nanoCpus?: number;
  autoRemove: boolean;
  /** The volumes the container mounts: named ones from `-v`, anonymous ones from `-v /path` and the image's VOLUMEs. */
  volumeMounts: VolumeMount[];
}

/** A volume mounted into a container (the volume store reads these to know who uses a volume). */
export interface VolumeMount {
  name: string;
  destination: string;
  readonly: boolean;
  anonymous: boolean;
  /** The `-v` mode text, as Docker's inspect shows it (`z` for a named volume given none). */
  mode: string;
  /** Fill the volume from the image when it is empty (no `nocopy`). */
  copy: boolean;
}

/** Where the container is attached once started. */
export interface NetworkAttachment {
  ip?: string;
  gateway?: string;
  netnsPath?: string;
  ports?: { hostIp: string; hostPort: number; containerPort: number; protocol: string }[];
}

export interface ContainerRecord {
  id: string;
  name: string;
  imageId: Digest;
  imageName: string;
  createdMs: number;
  config: ContainerConfig;
  hostConfig: HostConfig;
  network: NetworkAttachment;
}

interface Row {
  id: string;
  name: string;
  image_id: Digest;
  image_name: string;
  created_ms: number;
  config: string;
  host_config: string;
  network: string;
}

/** Container records in the shared SQLite database. */
export class ContainerStore {
  constructor(private readonly db: Db) {}

  insert(c: ContainerRecord): void {
    try {
      this.db
        .prepare('INSERT INTO containers (id, name, image_id, image_name, created_ms, config, host_config, network) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(c.id, c.name, c.imageId, c.imageName, c.createdMs, JSON.stringify(c.config), JSON.stringify(c.hostConfig), JSON.stringify(c.network));
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const other = this.byName(c.name);
        throw new DrydockError('conflict', `Conflict. The container name "/${c.name}" is already in use by container "${other?.id ?? ''}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      throw err;
    }
  }

  get(id: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
    return row && toRecord(row);
  }

  byName(name: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT * FROM containers WHERE name = ?').get(name.replace(/^\//, '')) as Row | undefined;
    return row && toRecord(row);
  }

  /** Containers whose ID starts with `prefix` (at most two: enough to detect ambiguity). */
  byPrefix(prefix: string): ContainerRecord[] {
    return (this.db.prepare('SELECT * FROM containers WHERE id >= ? AND id < ? LIMIT 2').all(prefix, `${prefix}\uffff`) as Row[]).map(toRecord);
  }

  all(): ContainerRecord[] {
    return (this.db.prepare('SELECT * FROM containers ORDER BY created_ms DESC').all() as Row[]).map(toRecord);
  }

  usingImage(imageId: Digest): ContainerRecord[] {
    return (this.db.prepare('SELECT * FROM containers WHERE image_id = ?').all(imageId) as Row[]).map(toRecord);
  }

  setNetwork(id: string, network: NetworkAttachment): void {
    this.db.prepare('UPDATE containers SET network = ? WHERE id = ?').run(JSON.stringify(network), id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM containers WHERE id = ?').run(id).changes > 0;
  }

  /**
   * Finds a container the way Docker does: full ID, then exact name, then a
   * unique ID prefix. Throws `not-found` with Docker's text.
   */
  resolve(idOrName: string): ContainerRecord {
    const exact = this.get(idOrName) ?? this.byName(idOrName);
    if (exact) return exact;
    if (/^[a-f0-9]+$/.test(idOrName)) {
      const matches = this.byPrefix(idOrName);
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw new DrydockError('invalid-argument', `multiple IDs found with provided prefix: ${idOrName}`);
    }
    throw new DrydockError('not-found', `No such container: ${idOrName}`);
  }
}

function toRecord(r: Row): ContainerRecord {
  return {
    id: r.id,
    name: r.name,
    imageId: r.image_id,
    imageName: r.image_name,
    createdMs: r.created_ms,
    config: JSON.parse(r.config) as ContainerConfig,
    hostConfig: withDefaults(JSON.parse(r.host_config) as HostConfig),
    network: JSON.parse(r.network) as NetworkAttachment,
  };
}

/** Records written before volumes have no volumeMounts. */
function withDefaults(h: HostConfig): HostConfig {
  h.volumeMounts ??= [];
  return h;
}
