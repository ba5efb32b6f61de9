import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Digest } from '../digest.js';
import type { OperationContext } from '../events.js';
import { detectRuntime, type OciRuntime } from '../runtime/crun.js';
import { Snapshotter } from '../snapshot/snapshotter.js';
import type { ContentStore } from '../store/content-store.js';
import type { Db } from '../store/database.js';
import type { ImageStore, LayerRecord } from '../store/image-store.js';
import { buildImage, type BuildRequest } from './builder.js';
import { BuildCache } from './cache.js';
import { clearHashCache, saveHashCache, useHashCacheFile } from './context/hash.js';
import { copyInputs, copyStep } from './copy-step.js';
import type { BuildDeps } from './deps.js';

/** `builder prune` deletes the `RUN --mount=type=cache` directories too (a build using one keeps its open view). */
function pruneCacheMounts(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name.includes('.')) continue; // locks and half-made directories
    const trash = join(dir, `${name}.trash-${randomBytes(6).toString('hex')}`);
    renameSync(join(dir, name), trash);
    rmSync(trash, { recursive: true, force: true });
  }
}

/** Wires the builder to the store, the snapshotter and the OCI runtime of one state root. */
export function buildService(base: { root: string; storageDriver: 'auto' | 'overlay' | 'copy'; db: Db; images: ImageStore; content: ContentStore; isContainer: (id: string) => boolean }) {
  const snapshotter = new Snapshotter(base.root, { driver: base.storageDriver });
  // Build snapshots belong to the building process; a killed build leaves them behind.
  snapshotter.cleanupStale({ keep: base.isContainer });
  let runtime: OciRuntime | undefined;
  const bundleRoot = join(base.root, 'builds');
  const cacheMountRoot = join(base.root, 'build-mounts');
  const fileDigests = join(base.root, 'build-file-digests.json');
  mkdirSync(bundleRoot, { recursive: true, mode: 0o700 });
  mkdirSync(cacheMountRoot, { recursive: true, mode: 0o700 });
  const open = (diffId: Digest) => base.content.openRead(diffId);
  const deps: BuildDeps = {
    db: base.db,
    images: base.images,
    content: base.content,
    runtime: () => (runtime ??= detectRuntime({ root: join(base.root, 'runtime') })),
    bundleRoot,
    cacheMountRoot,
    layerDeps: { snapshotter, content: base.content, open },
    mountLayers: async (layers: LayerRecord[]) => {
      await snapshotter.prepareLayers(layers.map((l) => ({ diffId: l.diffId, chainId: l.chainId, open: () => open(l.diffId) })));
      const key = `from-${randomBytes(12).toString('hex')}`;
      const plan = await snapshotter.prepare(key, layers.at(-1)?.chainId ?? null);
      snapshotter.mount(plan);
      return {
        kind: 'stage' as const,
        dir: plan.target,
        release: () => {
          snapshotter.unmount(plan.target, { lazy: true });
          snapshotter.remove(key);
        },
      };
    },
    copyInputs,
    copy: copyStep,
  };
  return {
    build: async (ctx: OperationContext, req: BuildRequest) => {
      useHashCacheFile(fileDigests);
      try {
        return await buildImage(deps, ctx, req);
      } finally {
        saveHashCache(fileDigests);
      }
    },
    prune: () => {
      pruneCacheMounts(cacheMountRoot);
      rmSync(fileDigests, { force: true });
      clearHashCache();
      return new BuildCache(base.db, base.images).prune();
    },
  };
}
