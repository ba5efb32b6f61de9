import type { Writable } from 'node:stream';
import type { Digest } from '../digest.js';
import { DrydockError, isDrydockError } from '../errors.js';
import type { OperationContext } from '../events.js';
import type { Journal } from '../journal.js';
import type { ContainerState } from '../runtime/container.js';
import type { OciRuntime } from '../runtime/crun.js';
import type { LogLine, LogReadOptions } from '../runtime/logs.js';
import type { ContentStore } from '../store/content-store.js';
import type { Db } from '../store/database.js';
import { dirSize } from '../store/dir-size.js';
import type { UsageRow } from '../store/disk-usage.js';
import type { Change } from '../snapshot/diff.js';
import type { ImageStore } from '../store/image-store.js';
import type { VolumeStore } from '../volume/volume-store.js';
import type { CommitOptions } from './commit.js';
import { ContainerStore, type ContainerRecord } from './container-store.js';
import type { CreateOptions } from './create.js';
import type { ContainerDeps } from './deps.js';
import { containerPaths, ETC_MOUNTS } from './paths.js';
import type { StartOptions } from './start.js';
import type { ContainerSummary } from './status.js';

type Operations = typeof import('./operations.js');

/**
 * Containers on one state root: `docker create/start/run/stop/kill/rm/ps/
 * logs/diff/commit/export/pause/unpause/wait/inspect`. The runtime, the
 * snapshotter and the network are set up on first use, so image commands
 * never pay for them.
 */
export class ContainerService {
  readonly store: ContainerStore;
  private loaded: Promise<{ d: ContainerDeps; ops: Operations }> | undefined;

  constructor(
    private readonly base: { root: string; storageDriver: 'auto' | 'overlay' | 'copy'; db: Db; images: ImageStore; content: ContentStore; journal: Journal; volumes: VolumeStore },
  ) {
    this.store = new ContainerStore(base.db);
  }

  /** The runtime, snapshotter and network, loaded and set up on first use. */
  private load(): Promise<{ d: ContainerDeps; ops: Operations }> {
    this.loaded ??= import('./operations.js').then((ops) => {
      const paths = containerPaths(this.base.root);
      let runtime: OciRuntime | undefined;
      const snapshotter = new ops.Snapshotter(this.base.root, { driver: this.base.storageDriver });
      // A container's snapshot outlives the command that made it; anything else whose owner died is debris.
      snapshotter.cleanupStale({ keep: (key) => this.store.get(key) !== undefined });
      const d: ContainerDeps = {
        images: this.base.images,
        content: this.base.content,
        containers: this.store,
        snapshotter,
        networks: new ops.ContainerNetworks({ stateDir: paths.network }),
        volumes: this.base.volumes,
        runtime: () => (runtime ??= ops.detectRuntime({ root: paths.runtime })),
        paths,
      };
      return { d, ops };
    });
    return this.loaded;
  }

  async create(ctx: OperationContext, opts: CreateOptions): Promise<ContainerRecord> {
    const { d, ops } = await this.load();
    const record = await ops.createContainer(d, opts);
    this.base.journal.append({ actor: ctx.actor, action: 'container.create', target: record.name, digest: record.imageId, detail: { id: record.id, image: opts.image } });
    return record;
  }

  async start(ctx: OperationContext, idOrName: string, opts: StartOptions): Promise<ContainerState> {
    const record = this.store.resolve(idOrName);
    this.base.journal.append({ actor: ctx.actor, action: 'container.start', target: record.name, detail: { id: record.id } });
    const { d, ops } = await this.load();
    if (!(await ops.reapOrphan(d, record))) throw new DrydockError('not-found', `No such container: ${idOrName}`);
    try {
      return await ops.startContainer(d, record.id, opts);
    } catch (err) {
      // As dockerd's auto-removal: an `--rm` container that cannot start does not stay behind.
      if (record.hostConfig.autoRemove) await ops.removeContainer(d, record.id, { force: true, volumes: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Called by the supervisor once the process exited: frees the network and mounts, and removes `--rm` containers. */
  async exited(id: string): Promise<void> {
    const record = this.store.get(id);
    if (!record) return;
    const { d, ops } = await this.load();
    if (record.hostConfig.autoRemove) await ops.removeContainer(d, id, { volumes: true });
    else await ops.releaseContainer(d, id);
  }

  async stop(ctx: OperationContext, idOrName: string, opts: { timeoutSec?: number } = {}): Promise<ContainerState> {
    const record = this.store.resolve(idOrName);
    const { d, ops } = await this.load();
    const dir = d.paths.dir(record.id);
    // A container whose shim died is killed and recorded first; one whose shim dies while it stops, after.
    if (!(await ops.reapOrphan(d, record))) throw new DrydockError('not-found', `No such container: ${idOrName}`);
    await ops.stopContainer(dir, d.runtime(), record.id, { ...opts, signal: record.config.StopSignal ?? 'SIGTERM' });
    await ops.reapOrphan(d, record);
    this.base.journal.append({ actor: ctx.actor, action: 'container.stop', target: record.name, detail: { id: record.id } });
    return ops.readState(dir) ?? { status: 'exited' };
  }

  async kill(ctx: OperationContext, idOrName: string, signal = 'SIGKILL'): Promise<void> {
    let record: ContainerRecord;
    try {
      record = this.store.resolve(idOrName);
    } catch (err) {
      // dockerd's ContainerKill words every failure this way, an unknown name too.
      if (isDrydockError(err, 'not-found')) throw new DrydockError('not-found', `Cannot kill container: ${idOrName}: ${err.message}`);
      throw err;
    }
    const { d, ops } = await this.load();
    const s = await ops.containerSummary(d, record);
    if (s.status !== 'running' && s.status !== 'paused') throw new DrydockError('conflict', `Cannot kill container: ${idOrName}: Container ${record.id} is not running`);
    await ops.signalContainer(d.runtime(), record.id, signal);
    this.base.journal.append({ actor: ctx.actor, action: 'container.kill', target: record.name, detail: { id: record.id, signal } });
  }

  async pause(ctx: OperationContext, idOrName: string, pause: boolean): Promise<void> {
    const record = this.store.resolve(idOrName);
    const { d, ops } = await this.load();
    const s = await ops.containerSummary(d, record);
    if (pause && s.status !== 'running') throw new DrydockError('conflict', `Container ${record.id} is not running`);
    if (!pause && s.status !== 'paused') throw new DrydockError('conflict', `Container ${record.id} is not paused`);
    if (pause) await d.runtime().pause(record.id);
    else await d.runtime().resume(record.id);
    this.base.journal.append({ actor: ctx.actor, action: pause ? 'container.pause' : 'container.unpause', target: record.name, detail: { id: record.id } });
  }

  /** `docker wait`: the exit code once the container has exited (137 when its shim was killed, as Docker). */
  async wait(idOrName: string): Promise<number> {
    const record = this.store.resolve(idOrName);
    const { d, ops } = await this.load();
    const dir = d.paths.dir(record.id);
    await ops.reapOrphan(d, record);
    let state = await ops.waitForExit(dir);
    if (!state) {
      await ops.reapOrphan(d, record);
      state = ops.readState(dir);
    }
    return state?.exitCode ?? -1;
  }

  async remove(ctx: OperationContext, idOrName: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<string> {
    const record = this.store.resolve(idOrName);
    const { d, ops } = await this.load();
    const echoed = await ops.removeContainer(d, idOrName, opts);
    this.base.journal.append({ actor: ctx.actor, action: 'container.rm', target: record.name, detail: { id: record.id } });
    return echoed;
  }

  async list(opts: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    const out: ContainerSummary[] = [];
    const { d, ops } = await this.load();
    for (const record of this.store.all()) {
      const s = await ops.containerSummary(d, record).catch((err: unknown) => {
        if (isDrydockError(err, 'not-found')) return undefined; // a --rm container whose shim died, removed just now
        throw err;
      });
      if (!s) continue;
      if (opts.all || s.status === 'running' || s.status === 'paused') out.push(s);
    }
    return out;
  }

  async inspect(idOrName: string): Promise<Record<string, unknown>> {
    const record = this.store.resolve(idOrName);
    const { d, ops } = await this.load();
    return ops.inspectJson(await ops.containerSummary(d, record), d.snapshotter.plan(record.id), ops.mountsJson(record, d.volumes));
  }

  async *logs(idOrName: string, opts: LogReadOptions = {}): AsyncGenerator<LogLine> {
    const record = this.store.resolve(idOrName);
    const { d, ops } = await this.load();
    yield* ops.readLogs(ops.containerFiles(d.paths.dir(record.id)).log, opts);
  }

  /** What changed in the container's filesystem (`A`/`C`/`D` records), without the /etc files Docker mounts. */
  async changes(idOrName: string): Promise<Change[]> {
    const record = this.store.resolve(idOrName);
    const { d } = await this.load();
    return d.snapshotter.changes(record.id, { excludePaths: ETC_MOUNTS });
  }

  /** `docker diff`: the changes as Docker prints them, one `K /path` line each. */
  async diff(idOrName: string): Promise<string> {
    const { ops } = await this.load();
    return ops.formatChanges(await this.changes(idOrName));
  }

  async commit(ctx: OperationContext, idOrName: string, opts: CommitOptions = {}): Promise<Digest> {
    const { d, ops } = await this.load();
    const id = await ops.commitContainer(d, ctx, idOrName, opts);
    this.base.journal.append({ actor: ctx.actor, action: 'container.commit', target: opts.ref, digest: id, detail: { container: idOrName, author: opts.author ?? '', message: opts.message ?? '' } });
    return id;
  }

  async export(ctx: OperationContext, idOrName: string, out: Writable): Promise<void> {
    const { d, ops } = await this.load();
    await ops.exportContainer(d, idOrName, out);
    this.base.journal.append({ actor: ctx.actor, action: 'container.export', target: idOrName });
  }

  async exec(ctx: OperationContext, idOrName: string, input: { cmd: string[]; env?: string[]; user?: string; workdir?: string; tty?: boolean; interactive?: boolean }): Promise<number> {
    const record = this.store.resolve(idOrName);
    this.base.journal.append({ actor: ctx.actor, action: 'container.exec', target: record.name, detail: { id: record.id, cmd: input.cmd } });
    const { d, ops } = await this.load();
    return ops.execInContainer(d, record.id, input);
  }

  /** The images some container (in any state) was made from. */
  imageIdsInUse(): Set<Digest> {
    return new Set(this.store.all().map((r) => r.imageId));
  }

  /** `docker system df`'s Containers row: writable layer sizes; a running container's is not reclaimable. */
  async usage(): Promise<UsageRow> {
    const { d, ops } = await this.load();
    const row: UsageRow = { total: 0, active: 0, size: 0, reclaimable: 0 };
    for (const record of this.store.all()) {
      const { status } = await ops.containerSummary(d, record);
      const size = d.snapshotter.has(record.id) ? dirSize(d.snapshotter.plan(record.id).upper) : 0;
      row.total++;
      row.size += size;
      if (status === 'running' || status === 'paused') row.active++;
      else row.reclaimable += size;
    }
    return row;
  }

  /** Containers using an image, for `image rm`'s conflict rules. */
  usingImage(imageId: Digest): ContainerRecord[] {
    return this.store.usingImage(imageId);
  }

  async statusOf(record: ContainerRecord): Promise<ContainerSummary> {
    const { d, ops } = await this.load();
    return ops.containerSummary(d, record);
  }
}
