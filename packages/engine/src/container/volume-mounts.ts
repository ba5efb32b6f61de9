import { readdirSync } from 'node:fs';
import { DrydockError } from '../errors.js';
import { ConfinedRoot } from '../snapshot/confined.js';
import { acquireDirLock } from '../store/dir-lock.js';
import { cleanPath, parseVolumeSpec, type BindMount } from '../runtime/volumes.js';
import { copyUp } from '../volume/copy-up.js';
import { anonymousVolumeName, validateVolumeName } from '../volume/names.js';
import type { VolumeStore } from '../volume/volume-store.js';
import type { ContainerRecord, VolumeMount } from './container-store.js';
import type { ContainerDeps } from './deps.js';

/** A container's mounts, resolved at create. */
export interface MountPlan {
  /** Docker's HostConfig.Binds: the `-v` specs with a source (host paths and volume names). */
  binds: string[];
  /** `-v /path` destinations, which join the container's Config.Volumes as in Docker. */
  anonymousPaths: string[];
  volumeMounts: VolumeMount[];
}

/**
 * Resolves `-v` specs and the image's VOLUMEs as Docker does: a spec with a
 * host path is a bind, with a name a named volume, alone an anonymous volume;
 * each image VOLUME no spec covers gets an anonymous volume. Everything is
 * validated (volume names too) before anything is written.
 */
export function planMounts(specs: readonly string[], imageVolumes: readonly string[]): MountPlan {
  const plan: MountPlan = { binds: [], anonymousPaths: [], volumeMounts: [] };
  const taken = new Set<string>();
  const claim = (destination: string): void => {
    if (taken.has(destination)) throw new DrydockError('invalid-argument', `Duplicate mount point: ${destination}`);
    taken.add(destination);
  };
  const anonymous = (destination: string): VolumeMount => ({ name: anonymousVolumeName(), destination, readonly: false, anonymous: true, mode: '', copy: true });
  for (const spec of specs) {
    const v = parseVolumeSpec(spec);
    if (v.kind === 'bind') {
      claim(v.bind.destination);
      plan.binds.push(spec);
    } else if (v.kind === 'volume') {
      validateVolumeName(v.name);
      claim(v.destination);
      plan.binds.push(spec);
      plan.volumeMounts.push({ name: v.name, destination: v.destination, readonly: v.readonly, anonymous: false, mode: v.mode, copy: !v.nocopy });
    } else {
      claim(v.destination);
      plan.anonymousPaths.push(v.destination);
      plan.volumeMounts.push(anonymous(v.destination));
    }
  }
  for (const path of imageVolumes) {
    const destination = cleanPath(path);
    if (taken.has(destination)) continue;
    taken.add(destination);
    plan.volumeMounts.push(anonymous(destination));
  }
  return plan;
}

/** What the runtime mounts: the host binds, then each volume's data directory. */
export function runtimeBinds(record: ContainerRecord, volumes: VolumeStore): BindMount[] {
  const binds = record.hostConfig.binds.map(parseVolumeSpec).flatMap((v) => (v.kind === 'bind' ? [v.bind] : []));
  return [...binds, ...record.hostConfig.volumeMounts.map((m) => ({ source: volumes.dataPath(m.name), destination: m.destination, readonly: m.readonly }))];
}

/** `docker inspect`'s Mounts: binds and volumes in dockerd's shape. */
export function mountsJson(record: ContainerRecord, volumes: VolumeStore): Record<string, unknown>[] {
  const binds = record.hostConfig.binds.map(parseVolumeSpec).flatMap((v) =>
    v.kind === 'bind'
      ? [{ Type: 'bind', Source: v.bind.source, Destination: v.bind.destination, Mode: v.mode, RW: !v.bind.readonly, Propagation: v.bind.propagation ?? 'rprivate' }]
      : [],
  );
  const vols = record.hostConfig.volumeMounts.map((m) => ({
    Type: 'volume',
    Name: m.name,
    Source: volumes.dataPath(m.name),
    Destination: m.destination,
    Driver: 'local',
    Mode: m.mode,
    RW: !m.readonly,
    Propagation: '',
  }));
  return [...binds, ...vols];
}

/**
 * Docker's copy-up at create: each empty volume mounted where the image has a
 * directory receives its content (see copyUp). The container's rootfs is
 * mounted for the duration; the image path is resolved inside it, following
 * its symlinks without leaving it.
 */
export async function populateVolumes(deps: ContainerDeps, id: string, mounts: readonly VolumeMount[]): Promise<void> {
  // A volume that holds something is never filled: no need to mount the rootfs for it.
  const wanted = mounts.filter((m) => m.copy && readdirSync(deps.volumes.dataPath(m.name)).length === 0);
  if (wanted.length === 0) return;
  const plan = deps.snapshotter.plan(id);
  await deps.snapshotter.mountAsync(plan); // the agent's other jobs go on meanwhile
  try {
    const rootfs = new ConfinedRoot(plan.target);
    for (const m of wanted) {
      const source = imageDir(rootfs, m.destination);
      if (source === null) continue;
      const unlock = (await acquireDirLock(deps.volumes.copyLock(m.name), { wait: true, pollMs: 20 }))!;
      try {
        copyUp(source, deps.volumes.dataPath(m.name));
      } finally {
        unlock();
      }
    }
  } finally {
    await deps.snapshotter.unmountAsync(plan.target);
  }
}

/** The host path of the image's directory at `destination`, or null when the image has none there. */
function imageDir(rootfs: ConfinedRoot, destination: string): string | null {
  try {
    const rel = rootfs.dir(destination.slice(1), false);
    return rel === null ? null : rootfs.host(rel);
  } catch (err) {
    // A file (not a directory) on the way: nothing to copy, as dockerd.
    if (err instanceof DrydockError && err.code === 'invalid-archive') return null;
    throw err;
  }
}
