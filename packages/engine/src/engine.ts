import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { LoadedImage } from './archive/load.js';
import type { Digest } from './digest.js';
import { emit, type OperationContext } from './events.js';
import type { ContainerConfig } from './image/config.js';
import { imageHistory, type HistoryItem } from './image/history.js';
import { refInput } from './image/ref-input.js';
import { pruneImages, type PruneResult } from './image/prune.js';
import { removeImage, type RemoveRecord } from './image/remove.js';
import { parseTagTarget, resolveImage } from './image/resolve.js';
import { inspectImage, listImages, type ImageSummary } from './image/summary.js';
import { Journal } from './journal.js';
import { ContainerService } from './container/service.js';
import { VolumeService } from './volume/service.js';
import { containerPaths } from './container/paths.js';
import { readState, shimAlive } from './runtime/container.js';
import { familiarString } from './reference/index.js';
import { ContentStore, stagingName } from './store/content-store.js';
import { openDatabase, writeTransaction, type Db } from './store/database.js';
import { ImageStore } from './store/image-store.js';
import { storeLayout, type StoreLayout } from './store/layout.js';
import { imageUsage, type DiskUsage, type UsageRow } from './store/disk-usage.js';
import { BuildCache } from './build/cache.js';
import { BlobMetadata } from './distribution/blob-metadata.js';
import type { PushOptions, PushResult } from './distribution/push.js';
import type { PullOptions, PullResult } from './distribution/pull.js';

/** Where a build's context comes from. */
export type BuildContextSpec =
  | { dir: string; dockerfile?: string | { content: string | Uint8Array } }
  | { stream: Readable; dockerfile?: string };

export interface EngineOptions {
  /** The state root; the caller decides (see defaultRoot). The engine reads no environment. */
  root: string;
  /**
   * How container and build snapshots are stored (Docker's storage driver):
   * `overlay`, `copy` (a flat copy per container, for hosts without overlayfs),
   * or `auto` (default: overlay when a probe mount works).
   */
  storageDriver?: 'auto' | 'overlay' | 'copy';
}

/**
 * The engine over one state root. Several processes may open the same root at
 * once (the CLI and the agent): every mutation is a SQLite write transaction
 * and blobs are published atomically, so each sees the other's work whole.
 */
export class Engine {
  readonly layout: StoreLayout;
  private readonly db: Db;
  readonly content: ContentStore;
  readonly images: ImageStore;
  readonly journal: Journal;
  readonly containers: ContainerService;
  readonly volumes: VolumeService;
  private readonly blobs: BlobMetadata;
  private readonly storageDriver: 'auto' | 'overlay' | 'copy';
  private builder: ReturnType<typeof import('./build/service.js').buildService> | undefined;

  /**
   * Loads the modules that operations otherwise load on first use. The CLI's startup
   * snapshot calls it so that they are evaluated once, when the snapshot is built.
   */
  static async preloadModules(): Promise<void> {
    await Promise.all([
      import('./build/service.js'),
      import('./build/context/context.js'),
      import('./container/operations.js'),
      import('./image/import.js'),
      import('./archive/save.js'),
      import('./archive/load.js'),
    ]);
  }

  private constructor(opts: EngineOptions) {
    this.layout = storeLayout(opts.root);
    mkdirSync(this.layout.root, { recursive: true, mode: 0o711 });
    this.db = openDatabase(this.layout.database);
    this.content = new ContentStore(this.layout);
    this.images = new ImageStore(this.db, this.content);
    this.journal = new Journal(this.db);
    this.blobs = new BlobMetadata(this.db);
    this.storageDriver = opts.storageDriver ?? 'auto';
    this.volumes = new VolumeService({ root: opts.root, db: this.db, journal: this.journal });
    this.containers = new ContainerService({ root: opts.root, storageDriver: this.storageDriver, db: this.db, images: this.images, content: this.content, journal: this.journal, volumes: this.volumes.store });
  }

  /** Which containers use an image, and whether they run (read from their state files, synchronously). */
  private containerUsers = (imageId: Digest) =>
    this.containers.usingImage(imageId).map((c) => ({ id: c.id, running: isSupervisedRunning(containerPaths(this.layout.root).dir(c.id)) }));

  static open(opts: EngineOptions): Engine {
    const engine = new Engine(opts);
    if (engine.content.needsRecovery()) {
      writeTransaction(engine.db, () => engine.content.recover((d) => engine.images.isReferenced(d)));
    }
    return engine;
  }

  close(): void {
    this.db.close();
  }

  async importImage(ctx: OperationContext, input: Readable, opts: { source: string; message?: string; ref?: string; applyChanges?: (c: ContainerConfig) => ContainerConfig }): Promise<Digest> {
    const ref = opts.ref ? parseTagTarget(opts.ref) : undefined;
    // Archive code (tar, decompression) loads on first use: listing and tagging stay light.
    const { importImage } = await import('./image/import.js');
    const id = await importImage(this, ctx, input, { ...opts, ref });
    this.journal.append({ actor: ctx.actor, action: 'image.import', target: ref ? familiarString(ref) : undefined, digest: id, detail: { source: opts.source } });
    return id;
  }

  /** `docker tag SOURCE TARGET`. */
  tag(ctx: OperationContext, source: string, target: string): void {
    const { id } = resolveImage(this.images, source);
    const ref = parseTagTarget(target);
    this.images.tag(refInput(ref), id);
    emit(ctx, { type: 'engine:image:tagged', id, ref: familiarString(ref) });
    this.journal.append({ actor: ctx.actor, action: 'image.tag', target: familiarString(ref), digest: id, detail: { source } });
  }

  resolve(refOrId: string): Digest {
    return resolveImage(this.images, refOrId).id;
  }

  list(): ImageSummary[] {
    return listImages(this.images);
  }

  inspect(refOrId: string): Record<string, unknown> {
    return inspectImage(this.images, this.resolve(refOrId));
  }

  history(refOrId: string): HistoryItem[] {
    return imageHistory(this.images, this.resolve(refOrId));
  }

  remove(ctx: OperationContext, refOrId: string, opts: { force?: boolean; prune?: boolean } = {}): RemoveRecord[] {
    const records = removeImage(this.images, ctx, refOrId, { ...opts, containers: this.containerUsers });
    this.journal.append({ actor: ctx.actor, action: 'image.rm', target: refOrId, detail: { records, force: opts.force ?? false } });
    return records;
  }

  prune(ctx: OperationContext, opts: { all?: boolean }): PruneResult {
    const result = pruneImages(this.images, ctx, { ...opts, containers: this.containerUsers });
    this.journal.append({ actor: ctx.actor, action: 'image.prune', detail: { deleted: result.records.length, reclaimed: result.reclaimed } });
    return result;
  }

  async save(ctx: OperationContext, names: string[], out: Writable): Promise<void> {
    const { saveImages } = await import('./archive/save.js');
    await saveImages(this, ctx, names, out);
    this.journal.append({ actor: ctx.actor, action: 'image.save', target: names.join(' ') });
  }

  async load(ctx: OperationContext, input: Readable): Promise<LoadedImage[]> {
    const { loadImages } = await import('./archive/load.js');
    const loaded = await loadImages({ content: this.content, images: this.images, tmp: this.layout.tmp }, ctx, input);
    for (const l of loaded) this.journal.append({ actor: ctx.actor, action: 'image.load', target: l.tags.join(' ') || undefined, digest: l.id });
    return loaded;
  }

  /**
   * `docker build`; the builder loads on first use. The context is a
   * directory (with `-f` a path in or outside it, or the Dockerfile's bytes),
   * or a stream (`docker build -`): a tar, plain or compressed, or a Dockerfile.
   */
  async build(ctx: OperationContext, req: Omit<import('./build/builder.js').BuildRequest, 'context'> & { context: BuildContextSpec }): Promise<Digest> {
    const builder = await this.loadBuilder();
    const { contextFromDirectory, contextFromStdin } = await import('./build/context/context.js');
    const spec = req.context;
    const tmp = join(this.layout.tmp, stagingName('context-'));
    let id: Digest;
    try {
      let context;
      if ('dir' in spec) context = contextFromDirectory(spec.dir, spec.dockerfile !== undefined ? { dockerfile: spec.dockerfile } : {});
      else {
        mkdirSync(tmp, { recursive: true, mode: 0o700 });
        context = await contextFromStdin(spec.stream, tmp, spec.dockerfile !== undefined ? { dockerfile: spec.dockerfile } : {});
      }
      id = await builder.build(ctx, { ...req, context });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    this.journal.append({ actor: ctx.actor, action: 'image.build', target: (req.tags ?? []).join(' ') || undefined, digest: id, detail: { target: req.target ?? null, noCache: req.noCache ?? false } });
    return id;
  }

  private async loadBuilder() {
    const { buildService } = await import('./build/service.js');
    const isContainer = (id: string) => this.containers.store.get(id) !== undefined;
    return (this.builder ??= buildService({ root: this.layout.root, storageDriver: this.storageDriver, db: this.db, images: this.images, content: this.content, isContainer }));
  }

  /** `docker builder prune`: forgets the layer cache and deletes the build's dangling intermediate images. */
  async pruneBuildCache(ctx: OperationContext): Promise<{ entries: number; reclaimed: number }> {
    const entries = (await this.loadBuilder()).prune();
    const { reclaimed } = pruneImages(this.images, ctx, { containers: this.containerUsers, only: (img) => img.intermediate });
    this.journal.append({ actor: ctx.actor, action: 'builder.prune', detail: { entries, reclaimed } });
    return { entries, reclaimed };
  }

  /** `docker push [-a] NAME[:TAG]`; registry access (credentials, insecure hosts, CAs) comes from the caller. */
  async push(ctx: OperationContext, ref: string, opts: PushOptions = {}): Promise<PushResult[]> {
    const { pushImage } = await import('./distribution/push.js');
    const results = await pushImage({ content: this.content, images: this.images, blobs: this.blobs }, ctx, ref, withSignal(ctx, opts));
    for (const r of results) {
      const count = (how: string) => r.layers.filter((l) => l.how === how).length;
      this.journal.append({
        actor: ctx.actor,
        action: 'image.push',
        target: r.ref,
        digest: r.digest,
        detail: { size: r.size, layers: r.layers.length, pushed: count('pushed'), existed: count('exists'), mounted: count('mounted') },
      });
    }
    return results;
  }

  /** `docker pull [-a] [--platform] NAME[:TAG|@DIGEST]`. */
  async pull(ctx: OperationContext, ref: string, opts: PullOptions = {}): Promise<PullResult[]> {
    const { pullImage } = await import('./distribution/pull.js');
    const results = await pullImage({ content: this.content, images: this.images, blobs: this.blobs }, ctx, ref, withSignal(ctx, opts));
    for (const r of results) {
      this.journal.append({ actor: ctx.actor, action: 'image.pull', target: r.ref, digest: r.digest, detail: { id: r.id, updated: r.updated } });
    }
    return results;
  }

  /** `docker system df`: images, containers' writable layers, volumes and the build cache. */
  async diskUsage(): Promise<DiskUsage> {
    const { images, buildCache } = imageUsage(this.images, this.containers.imageIdsInUse(), new BuildCache(this.db, this.images).count());
    return { images, containers: await this.containers.usage(), volumes: this.volumes.usage(), buildCache };
  }

  /** The Images row of `diskUsage` alone: no container's files are read. */
  imageUsage(): UsageRow {
    return imageUsage(this.images, this.containers.imageIdsInUse()).images;
  }
}

/** The operation's abort signal on its registry requests too. */
function withSignal<T extends { signal?: AbortSignal }>(ctx: OperationContext, opts: T): T {
  return ctx.signal && !opts.signal ? { ...opts, signal: ctx.signal } : opts;
}

function isSupervisedRunning(dir: string): boolean {
  return readState(dir)?.status === 'running' && shimAlive(dir);
}
