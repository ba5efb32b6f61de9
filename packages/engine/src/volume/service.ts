import { join } from 'node:path';
import { isDrydockError } from '../errors.js';
import type { OperationContext } from '../events.js';
import type { Journal } from '../journal.js';
import type { Db } from '../store/database.js';
import type { UsageRow } from '../store/disk-usage.js';
import { dirSize } from '../store/dir-size.js';
import { anonymousVolumeName } from './names.js';
import { VolumeStore, type VolumeRecord } from './volume-store.js';

/** A volume with where it lives and who uses it, as `volume ls` and `volume inspect` need it. */
export interface VolumeSummary {
  record: VolumeRecord;
  mountpoint: string;
  /** IDs of the containers that mount it (running or not). */
  users: string[];
}

/** `docker volume create|ls|inspect|rm|prune` over one state root (the `local` driver only). */
export class VolumeService {
  readonly store: VolumeStore;

  constructor(private readonly base: { root: string; db: Db; journal: Journal }) {
    this.store = new VolumeStore(base.db, join(base.root, 'volumes'));
  }

  /** `docker volume create [NAME]`: without a name, a random 64-hex one. An existing name is returned as it is. */
  create(ctx: OperationContext, name: string | undefined, opts: { labels?: Record<string, string> } = {}): VolumeRecord {
    const record = this.store.ensure(name || anonymousVolumeName(), opts);
    this.base.journal.append({ actor: ctx.actor, action: 'volume.create', target: record.name });
    return record;
  }

  list(): VolumeSummary[] {
    const users = this.store.usersByVolume();
    return this.store.all().map((record) => this.summary(record, users.get(record.name) ?? []));
  }

  get(name: string): VolumeSummary {
    return this.summary(this.store.resolve(name));
  }

  /** `docker volume inspect`: dockerd 20.10's Volume object. */
  inspect(name: string): Record<string, unknown> {
    const { record, mountpoint } = this.get(name);
    return {
      CreatedAt: new Date(record.createdMs).toISOString().replace(/\.\d+Z$/, 'Z'),
      Driver: record.driver,
      Labels: Object.keys(record.labels).length > 0 ? record.labels : null,
      Mountpoint: mountpoint,
      Name: record.name,
      Options: null,
      Scope: 'local',
    };
  }

  /** `docker volume rm [-f]`: refused while any container uses the volume, even with force (Docker's rule). */
  remove(ctx: OperationContext, name: string, opts: { force?: boolean } = {}): void {
    if (this.store.remove(name, opts)) this.base.journal.append({ actor: ctx.actor, action: 'volume.rm', target: name });
  }

  /**
   * `docker volume prune` as dockerd 20.10 does it: every volume no container
   * uses, named or anonymous, that `filter` accepts. A volume a container
   * took meanwhile (another process) is skipped.
   */
  prune(ctx: OperationContext, opts: { filter?: (v: VolumeSummary) => boolean } = {}): { deleted: string[]; reclaimed: number } {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of this.list()) {
      if (v.users.length > 0 || (opts.filter && !opts.filter(v))) continue;
      const size = dirSize(v.mountpoint);
      try {
        if (!this.store.remove(v.record.name)) continue;
      } catch (err) {
        if (isDrydockError(err, 'conflict')) continue;
        throw err;
      }
      deleted.push(v.record.name);
      reclaimed += size;
    }
    this.base.journal.append({ actor: ctx.actor, action: 'volume.prune', detail: { deleted: deleted.length, reclaimed } });
    return { deleted, reclaimed };
  }

  /** `docker system df`'s Local Volumes row: a volume is active while a container uses it. */
  usage(): UsageRow {
    const row: UsageRow = { total: 0, active: 0, size: 0, reclaimable: 0 };
    for (const v of this.list()) {
      const size = dirSize(v.mountpoint);
      row.total++;
      row.size += size;
      if (v.users.length > 0) row.active++;
      else row.reclaimable += size;
    }
    return row;
  }

  private summary(record: VolumeRecord, users = this.store.users(record.name)): VolumeSummary {
    return { record, mountpoint: this.store.dataPath(record.name), users };
  }
}
