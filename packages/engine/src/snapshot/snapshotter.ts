import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { chainIds, hexOf, type Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { ioError } from './confined.js';
import { changes, upperToLayerTar, type Change, type DiffOptions } from './diff.js';
import { readOpaqueDirs, type LowerLayer } from './lower.js';
import { treeChanges, treeLayerTar } from './naive-diff.js';
import { MAX_MOUNT_OPTIONS, mountPoints, mountsUnder, overlaySupported, performMount, performMountAsync, performUnmount, performUnmountAsync, type Mount } from './mount.js';
import { isAlive, ownerOf, type Owner } from './owner.js';
import { unpackLayer } from './unpack.js';

/**
 * Snapshots for containers over `<root>/snapshots/`, in the manner of
 * containerd's snapshotter (core/snapshots/snapshotter.go), with these words:
 *
 * - A **committed layer** is one image layer unpacked once, in overlay form
 *   (whiteouts as 0/0 character devices, opaque directories by xattr), into
 *   `layers/<chain ID hex>/fs/`, with `layer.json` (diff ID, parent chain ID,
 *   opaque dirs). Keyed by chain ID: the same diff on a different parent is a
 *   different committed layer. Committed layers are immutable and shared.
 * - An **active snapshot** is a container's writable filesystem, keyed by a
 *   caller-chosen **key** (the container ID): `active/<key>/` holding
 *   `upper/` and `work/` (overlay) or `fs/` (the copy fallback), the default
 *   mount point `merged/`, and `active.json` (parent, driver, owner, mounts).
 * - Its **owner** is a process (pid and start time) that keeps it alive;
 *   `cleanupStale` reclaims snapshots whose owner is gone (after `kill -9`).
 * - A **mount plan** is data: the mounts that, performed in order on one
 *   target, show the snapshot's filesystem. `prepare` never mounts; `mount`
 *   performs a plan (or the runtime does, inside the container's namespace).
 *
 * Concurrency: several processes may share the directory. Layers are
 * unpacked into a private temporary directory and renamed into place; a
 * loser of the race discards its copy. Active snapshots are created the same
 * way, so two `prepare` calls with one key cannot both succeed. Removing a
 * layer that a concurrent `prepare` is about to use is the caller's to
 * prevent (hold the image, as Docker holds a layer reference per container).
 */
export interface LayerSource {
  diffId: Digest;
  chainId: Digest;
  /** The layer's uncompressed tar (e.g. `ContentStore.openRead(diffId)`). */
  open(): Readable;
}

export interface SnapshotterOptions {
  /** `overlay`, `copy` (no overlayfs: a flat copy per container), or `auto` (default: overlay when a probe mount works). */
  driver?: 'auto' | 'overlay' | 'copy';
  /** Check each layer's diff ID while unpacking (default true). */
  verify?: boolean;
}

export type { Owner };

export interface ActiveInfo {
  key: string;
  parent: Digest | null;
  driver: 'overlay' | 'copy';
  owner: Owner;
  created: string;
  /** Targets this snapshot was mounted on by `mount`, not yet unmounted. */
  mounts: string[];
}

export interface MountPlan {
  key: string;
  /** Mounts to perform, in order, on one target. */
  mounts: Mount[];
  /** The default target, `active/<key>/merged`. */
  target: string;
  /** The overlay upper dir, or the flat copy (copy driver). */
  upper: string;
  /** The lower dirs, top first (empty for the copy driver). */
  lowers: LowerLayer[];
  driver: 'overlay' | 'copy';
}

interface LayerMeta {
  chainId: Digest;
  diffId: Digest;
  parent: Digest | null;
  opaque: string[];
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const OVERLAY_OPTIONS = ['index=off', 'redirect_dir=off', 'metacopy=off'];

export class Snapshotter {
  readonly dir: string;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly metaCache = new Map<string, LayerMeta>();
  private resolvedDriver: 'overlay' | 'copy' | undefined;

  constructor(stateRoot: string, private readonly opts: SnapshotterOptions = {}) {
    this.dir = join(stateRoot, 'snapshots');
    for (const d of ['layers', 'active']) mkdirSync(join(this.dir, d), { recursive: true });
  }

  /**
   * Makes every layer of `chain` (bottom first, as `rootfs.diff_ids`) a
   * committed layer, unpacking only those not already present. Each unpack
   * goes to a temporary directory renamed into place when complete, so a
   * layer dir exists whole or not at all. Safe to call concurrently, from this
   * or other processes. Fails with `invalid-argument` when the chain IDs do not
   * follow from the diff IDs, or as `unpackLayer` does.
   */
  async prepareLayers(chain: readonly LayerSource[]): Promise<void> {
    const expected = chainIds(chain.map((l) => l.diffId));
    chain.forEach((l, i) => {
      if (l.chainId !== expected[i]) throw new DrydockError('invalid-argument', `chain ID of layer ${i} is ${l.chainId}, expected ${expected[i]}`);
    });
    for (let i = 0; i < chain.length; i++) {
      const layer = chain[i]!;
      const parent = i === 0 ? null : chain[i - 1]!.chainId;
      const hex = hexOf(layer.chainId);
      if (this.hasLayer(layer.chainId)) continue;
      let job = this.inflight.get(hex);
      if (!job) {
        job = this.unpackOne(layer, parent).finally(() => this.inflight.delete(hex));
        this.inflight.set(hex, job);
      }
      await job;
    }
  }

  hasLayer(chainId: Digest): boolean {
    return existsSync(join(this.dir, 'layers', hexOf(chainId), 'layer.json'));
  }

  /** The lower dirs of the stack ending at `chainId`, top first (`not-found` if one is missing). */
  lowers(chainId: Digest | null): LowerLayer[] {
    const out: LowerLayer[] = [];
    for (let id = chainId; id !== null; ) {
      const meta = this.layerMeta(id);
      out.push({ dir: join(this.dir, 'layers', hexOf(id), 'fs'), opaque: new Set(meta.opaque) });
      id = meta.parent;
      if (out.length > 1000) throw new DrydockError('internal', `layer chain of ${chainId} loops`);
    }
    return out;
  }

  /**
   * Creates the active snapshot `key` on top of the committed layer
   * `parentChainId` (null: an empty filesystem) and returns its mount plan.
   * Overlay when available and the lowerdir list fits in a mount-option page;
   * otherwise the copy driver, which merges the lower layers into one
   * directory now (slow, but needs no overlayfs). The snapshot belongs to
   * `owner` (default: this process). Fails with `conflict` if the key exists,
   * `not-found` if a layer is missing, `invalid-argument` for a bad key.
   */
  async prepare(key: string, parentChainId: Digest | null, opts: { ownerPid?: number } = {}): Promise<MountPlan> {
    if (!KEY_RE.test(key)) throw new DrydockError('invalid-argument', `invalid snapshot key ${JSON.stringify(key)}`);
    if (existsSync(this.activeDir(key))) throw new DrydockError('conflict', `snapshot ${key} already exists`);
    const owner = ownerOf(opts.ownerPid ?? process.pid);
    if (!isAlive(owner)) throw new DrydockError('invalid-argument', `owner process ${owner.pid} is not running`);
    const lowers = this.lowers(parentChainId);
    const tmp = this.tempDir('active');
    try {
      let driver = this.driver();
      if (driver === 'overlay' && overlayOptions(this.activeDir(key), lowers, this.dir).join(',').length > MAX_MOUNT_OPTIONS) driver = 'copy';
      const info: ActiveInfo = { key, parent: parentChainId, driver, owner, created: new Date().toISOString(), mounts: [] };
      for (const d of driver === 'overlay' ? ['upper', 'work', 'merged'] : ['fs', 'merged']) mkdirSync(join(tmp, d), { mode: 0o755 });
      if (driver === 'copy') await copyLowers(lowers, join(tmp, 'fs'));
      writeJson(join(tmp, 'active.json'), info);
      try {
        renameSync(tmp, this.activeDir(key));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new DrydockError('conflict', `snapshot ${key} already exists`);
        throw ioError(`cannot create snapshot ${key}`, err);
      }
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return this.plan(key);
  }

  /** Whether an active snapshot `key` exists. */
  has(key: string): boolean {
    return this.tryInfo(key) !== undefined;
  }

  /** The mount plan of an existing active snapshot. */
  plan(key: string): MountPlan {
    const info = this.info(key);
    const dir = this.activeDir(key);
    const target = join(dir, 'merged');
    if (info.driver === 'copy') {
      return { key, driver: 'copy', target, upper: join(dir, 'fs'), lowers: [], mounts: [{ type: 'bind', source: join(dir, 'fs'), options: ['rbind', 'rw'] }] };
    }
    const lowers = this.lowers(info.parent);
    const upper = join(dir, 'upper');
    const mounts: Mount[] =
      lowers.length === 0
        ? [{ type: 'bind', source: upper, options: ['rbind', 'rw'] }]
        : [{ type: 'overlay', source: 'overlay', options: overlayOptions(dir, lowers, this.dir), cwd: this.dir }];
    return { key, driver: 'overlay', target, upper, lowers, mounts };
  }

  /** Performs `plan` on `target` (default `plan.target`) and records the mount for `unmount`/`cleanupStale`. */
  mount(plan: MountPlan, target: string = plan.target): void {
    for (const m of plan.mounts) performMount(m, target);
    this.recordMount(plan.key, target);
  }

  /** `mount` without blocking the event loop (the `mount` processes run while other work goes on). */
  async mountAsync(plan: MountPlan, target: string = plan.target): Promise<void> {
    for (const m of plan.mounts) await performMountAsync(m, target);
    this.recordMount(plan.key, target);
  }

  /** Unmounts `target` (not mounted is fine) and forgets it in any snapshot's record. `lazy` detaches a busy mount. */
  unmount(target: string, opts: { lazy?: boolean } = {}): void {
    performUnmount(target, opts);
    this.forgetMount(target);
  }

  /** `unmount` without blocking the event loop. */
  async unmountAsync(target: string, opts: { lazy?: boolean } = {}): Promise<void> {
    await performUnmountAsync(target, opts);
    this.forgetMount(target);
  }

  private recordMount(key: string, target: string): void {
    this.update(key, (info) => {
      if (!info.mounts.includes(target)) info.mounts.push(target);
    });
  }

  private forgetMount(target: string): void {
    for (const key of this.keys()) {
      const info = this.tryInfo(key);
      if (info?.mounts.includes(target)) this.update(key, (i) => void (i.mounts = i.mounts.filter((t) => t !== target)));
    }
  }

  /** Unmounts and deletes the active snapshot `key` (`not-found` if absent). */
  remove(key: string, opts: { lazy?: boolean } = { lazy: true }): void {
    const info = this.info(key);
    this.destroy(this.activeDir(key), info.mounts, opts.lazy ?? true);
  }

  /** Hands the snapshot to another process (e.g. the container's monitor). */
  setOwner(key: string, pid: number): void {
    const owner = ownerOf(pid);
    if (!isAlive(owner)) throw new DrydockError('invalid-argument', `owner process ${pid} is not running`);
    this.update(key, (info) => void (info.owner = owner));
  }

  info(key: string): ActiveInfo {
    const info = this.tryInfo(key);
    if (!info) throw new DrydockError('not-found', `No such snapshot: ${key}`);
    return info;
  }

  list(): ActiveInfo[] {
    return this.keys().flatMap((k) => this.tryInfo(k) ?? []);
  }

  /**
   * Reclaims what dead processes left: active snapshots whose owner is gone
   * (unmounted lazily, then deleted) unless `keep` claims them (a container's
   * snapshot outlives the command that created it), and temporary directories
   * of interrupted unpacks, prepares and overlay probes. Returns the keys
   * removed. Safe to run at any time, from any process.
   */
  cleanupStale(opts: { keep?: (key: string) => boolean } = {}): string[] {
    const removed: string[] = [];
    for (const key of this.keys()) {
      const info = this.tryInfo(key);
      if (info && (isAlive(info.owner) || opts.keep?.(key))) continue;
      this.destroy(this.activeDir(key), info?.mounts ?? [], true);
      removed.push(key);
    }
    for (const area of ['layers', 'active']) {
      for (const name of readdirSync(join(this.dir, area))) {
        const m = /^\.tmp-(\d+)-(\d+)-/.exec(name);
        if (m && !isAlive({ pid: Number(m[1]), start: Number(m[2]) })) this.destroy(join(this.dir, area, name), [], true);
      }
    }
    return removed;
  }

  /** Deletes a committed layer; `conflict` while an active snapshot or another layer stands on it. */
  removeLayer(chainId: Digest): void {
    const dir = join(this.dir, 'layers', hexOf(chainId));
    for (const info of this.list()) {
      if (info.parent && this.lowers(info.parent).some((l) => l.dir === join(dir, 'fs'))) {
        throw new DrydockError('conflict', `layer ${chainId} is in use by snapshot ${info.key}`);
      }
    }
    for (const hex of readdirSync(join(this.dir, 'layers'))) {
      if (!hex.startsWith('.') && this.tryLayerMeta(hex)?.parent === chainId) throw new DrydockError('conflict', `layer ${chainId} has child layers`);
    }
    const trash = this.tempDir('layers');
    rmSync(trash, { recursive: true, force: true });
    try {
      renameSync(dir, trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw ioError(`cannot remove layer ${chainId}`, err);
    }
    this.metaCache.delete(hexOf(chainId));
    rmSync(trash, { recursive: true, force: true });
  }

  /**
   * Turns an unmounted overlay snapshot into the committed layer `layer`
   * (whose tar was made from it), as containerd's overlay snapshotter
   * commits: the upper dir becomes the layer dir, so the next step needs no
   * unpack. `exclude` are paths the layer tar left out (mount points), removed
   * first. The snapshot is gone afterwards. With the copy driver, or when the
   * layer exists already, the snapshot is just removed.
   */
  commitUpper(key: string, layer: { chainId: Digest; diffId: Digest; parent: Digest | null }, exclude: readonly string[] = []): void {
    const plan = this.plan(key);
    if (plan.driver !== 'overlay' || this.hasLayer(layer.chainId) || (layer.parent !== null && !this.hasLayer(layer.parent)) || this.info(key).parent !== layer.parent) {
      this.remove(key);
      return;
    }
    const tmp = this.tempDir('layers');
    try {
      performUnmount(plan.target, { lazy: true });
      for (const path of exclude) rmSync(join(plan.upper, path), { recursive: true, force: true });
      const meta: LayerMeta = { ...layer, opaque: [...readOpaqueDirs(plan.upper)] };
      renameSync(plan.upper, join(tmp, 'fs'));
      this.publishLayer(tmp, meta);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      this.remove(key);
    }
  }

  /**
   * `docker container diff` of a snapshot: from the overlay upper dir, or for
   * the copy driver by comparing the copy with the layers (see naive-diff).
   */
  changes(key: string, opts: DiffOptions = {}): Change[] {
    const plan = this.plan(key);
    if (plan.driver === 'copy') return treeChanges(plan.upper, this.lowers(this.info(key).parent), opts);
    return changes(plan.upper, plan.lowers, opts);
  }

  /** The snapshot's changes as an OCI layer tar, for commit. */
  layerTar(key: string, opts: DiffOptions = {}): Readable {
    const plan = this.plan(key);
    if (plan.driver === 'copy') return treeLayerTar(plan.upper, this.lowers(this.info(key).parent), opts);
    return upperToLayerTar(plan.upper, plan.lowers, opts);
  }

  private async unpackOne(layer: LayerSource, parent: Digest | null): Promise<void> {
    const tmp = this.tempDir('layers');
    mkdirSync(join(tmp, 'fs'), { recursive: true, mode: 0o755 });
    try {
      const verify = this.opts.verify ?? true;
      const result = await unpackLayer(layer.open(), join(tmp, 'fs'), { whiteouts: 'overlay', ...(verify ? { expectedDiffId: layer.diffId } : {}) });
      this.publishLayer(tmp, { chainId: layer.chainId, diffId: layer.diffId, parent, opaque: result.opaqueDirs });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Renames a finished layer dir (`tmp/fs`) into place with its metadata; if another process was first, `tmp` is dropped. */
  private publishLayer(tmp: string, meta: LayerMeta): void {
    writeJson(join(tmp, 'layer.json'), meta);
    try {
      renameSync(tmp, join(this.dir, 'layers', hexOf(meta.chainId)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw ioError(`cannot commit layer ${meta.chainId}`, err);
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  private driver(): 'overlay' | 'copy' {
    if (this.resolvedDriver) return this.resolvedDriver;
    const wanted = this.opts.driver ?? 'auto';
    if (wanted !== 'auto') return (this.resolvedDriver = wanted);
    // A probe mount costs two processes: a success is remembered for this kernel and filesystem.
    const proven = join(this.dir, 'overlay-ok');
    const key = `${release()} ${statfsSync(this.dir).type}`;
    if (readText(proven) === key) return (this.resolvedDriver = 'overlay');
    const probe = this.tempDir('active');
    try {
      this.resolvedDriver = overlaySupported(probe) ? 'overlay' : 'copy';
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
    if (this.resolvedDriver === 'overlay') writeFileSync(proven, key);
    return this.resolvedDriver;
  }

  private destroy(dir: string, mounts: string[], lazy: boolean): void {
    const ours = new Set(mountPoints().map((m) => m.target));
    for (const target of [...mounts, ...mountsUnder(dir)]) if (ours.has(target)) performUnmount(target, { lazy });
    rmSync(dir, { recursive: true, force: true });
  }

  private layerMeta(chainId: Digest): LayerMeta {
    const meta = this.tryLayerMeta(hexOf(chainId));
    if (!meta) throw new DrydockError('not-found', `layer ${chainId} is not unpacked`);
    return meta;
  }

  private tryLayerMeta(hex: string): LayerMeta | undefined {
    let meta = this.metaCache.get(hex);
    if (!meta) {
      meta = readJson<LayerMeta>(join(this.dir, 'layers', hex, 'layer.json'));
      if (meta) this.metaCache.set(hex, meta);
    }
    return meta;
  }

  private tryInfo(key: string): ActiveInfo | undefined {
    return KEY_RE.test(key) ? readJson<ActiveInfo>(join(this.activeDir(key), 'active.json')) : undefined;
  }

  private update(key: string, fn: (info: ActiveInfo) => void): void {
    const info = this.info(key);
    fn(info);
    writeJson(join(this.activeDir(key), 'active.json'), info);
  }

  private keys(): string[] {
    return readdirSync(join(this.dir, 'active')).filter((k) => !k.startsWith('.'));
  }

  private activeDir(key: string): string {
    return join(this.dir, 'active', key);
  }

  private tempDir(area: 'layers' | 'active'): string {
    const me = ownerOf(process.pid);
    const dir = join(this.dir, area, `.tmp-${me.pid}-${me.start}-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  }
}

/** Overlay options with lowerdirs relative to the snapshots dir (the mount's cwd). */
function overlayOptions(activeDir: string, lowers: LowerLayer[], base: string): string[] {
  const lowerdir = lowers.map((l) => l.dir.slice(base.length + 1)).join(':');
  const opts = [`lowerdir=${lowerdir}`, `upperdir=${join(activeDir, 'upper')}`, `workdir=${join(activeDir, 'work')}`, ...OVERLAY_OPTIONS];
  return opts;
}

/** The copy driver: the lower stack merged, bottom layer first, into one directory. */
async function copyLowers(lowers: LowerLayer[], dest: string): Promise<void> {
  for (let i = lowers.length - 1; i >= 0; i--) {
    await unpackLayer(upperToLayerTar(lowers[i]!.dir, lowers.slice(i + 1)), dest, { whiteouts: 'apply' });
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
