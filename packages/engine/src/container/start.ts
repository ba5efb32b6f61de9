import { existsSync, rmSync } from 'node:fs';
import { DrydockError } from '../errors.js';
import { etcFilePaths, writeEtcFiles } from '../network/etc-files.js';
import { parsePortSpecs } from '../network/port-spec.js';
import { containerFiles, readState, type ContainerState } from '../runtime/container.js';
import { runForeground, spawnShim, writeShimConfig, type ForegroundIo } from '../runtime/shim.js';
import { buildSpec, prepareBundle, type NetworkMode } from '../runtime/spec.js';
import { isMountPoint } from '../snapshot/mount.js';
import type { ContainerDeps } from './deps.js';
import { runtimeBinds } from './volume-mounts.js';
import { hostname as systemHostname } from 'node:os';
import { acquireDirLock } from '../store/dir-lock.js';

/** How a started container is supervised. */
export interface StartOptions {
  /**
   * Detached: a shim process (the CLI passes its own entry, e.g.
   * `{ command: process.execPath, args: [cli, '__shim'] }`; the container
   * directory is appended). Foreground: this process, with `io`.
   */
  detach: { command: string; args: string[] } | false;
  io?: ForegroundIo;
}

/**
 * `docker start`: mounts the rootfs, attaches the network, writes /etc files
 * and the OCI bundle, then runs the container under a supervisor. Resolves
 * once it runs (detached) or when it has exited (foreground). Whatever was
 * set up is undone if it fails to start.
 */
export async function startContainer(deps: ContainerDeps, id: string, opts: StartOptions): Promise<ContainerState> {
  const record = deps.containers.resolve(id);
  const dir = deps.paths.dir(record.id);
  const previous = readState(dir);
  if (previous?.status === 'running' && (await isRunning(deps, record.id))) {
    throw new DrydockError('conflict', `container ${record.name} is already running`);
  }
  // A container never started (just created, as by `run`) has nothing to release.
  if (previous || existsSync(containerFiles(dir).shimConfig) || deps.snapshotter.info(record.id).mounts.length > 0 || (await deps.networks.inspect(record.id))) {
    await releaseContainer(deps, record.id);
  }
  const plan = deps.snapshotter.plan(record.id);
  const mode = record.hostConfig.networkMode;
  // The rootfs mount and the network's plugins are processes of their own: they run together,
  // and the bundle is written while the plugins work (see below).
  const mounting = deps.snapshotter.mountAsync(plan);
  const attaching = deps.networks.attach(record.id, { mode, ports: parsePortSpecs(record.hostConfig.publish) });
  // Each is awaited below, or settled in the catch when the other failed first.
  mounting.catch(() => undefined);
  attaching.catch(() => undefined);
  try {
    await mounting; // the spec reads users and groups from the rootfs
    const hostname = record.config.Hostname || systemHostname();
    // `none`: the runtime makes the namespace (and brings lo up), as for any container without a path.
    const network: NetworkMode = mode === 'host' ? { mode: 'host' } : mode === 'none' ? { mode: 'none' } : { mode: 'path', path: deps.networks.netns.pathFor(record.id) };
    const spec = buildSpec({
      id: record.id,
      rootfs: plan.target,
      image: record.config,
      hostname,
      tty: record.config.Tty,
      network,
      ...(record.hostConfig.memory !== undefined ? { memory: record.hostConfig.memory } : {}),
      ...(record.hostConfig.nanoCpus !== undefined ? { cpus: record.hostConfig.nanoCpus / 1e9 } : {}),
      binds: runtimeBinds(record, deps.volumes),
      files: etcFilePaths(dir),
    });
    prepareBundle(dir, spec);
    const shimConfig = { id: record.id, dir, runtime: deps.runtime().toJSON(), tty: record.config.Tty, openStdin: record.config.OpenStdin };
    writeShimConfig(shimConfig);
    const attachment = await attaching;
    const recorded = {
      ...(attachment.ip ? { ip: attachment.ip } : {}),
      ...(attachment.gateway ? { gateway: attachment.gateway } : {}),
      ...(attachment.netnsPath ? { netnsPath: attachment.netnsPath } : {}),
      ...(attachment.ports.length > 0 ? { ports: attachment.ports.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.proto })) } : {}),
    };
    // `none` and `host` without ports have nothing to record (and the record was cleared by the release).
    if (Object.keys(recorded).length > 0) deps.containers.setNetwork(record.id, recorded);
    await writeEtcFiles({ dir, mode, hostname, ip: attachment.ip });
    if (opts.detach) {
      const state = await spawnShim({ dir, command: opts.detach.command, args: [...opts.detach.args, dir] });
      return state;
    }
    const state = await runForeground(shimConfig, opts.io ?? { stdout: process.stdout, stderr: process.stderr });
    // An `--rm` container is removed by `exited` (which every foreground caller calls), releasing it once there.
    if (!record.hostConfig.autoRemove) await releaseContainer(deps, record.id);
    return state;
  } catch (err) {
    await Promise.allSettled([mounting, attaching]);
    await releaseContainer(deps, record.id).catch(() => undefined);
    throw err;
  }
}

/**
 * Undoes what start set up once the container has exited: unmounts its
 * rootfs and detaches its network. Idempotent; the shim calls it when the
 * process ends, and any later command calls it for containers whose shim died.
 */
export async function releaseContainer(deps: ContainerDeps, id: string): Promise<void> {
  await whileReleasing(deps, id, () => releaseHeld(deps, id));
}

/**
 * Runs `fn` holding the container's release lock. A container's supervisor frees it when
 * its process exits, which `rm -f` (or `stop`) causes while it frees it too: one at a time,
 * the second finds it freed.
 */
export async function whileReleasing<T>(deps: ContainerDeps, id: string, fn: () => Promise<T>): Promise<T> {
  const unlock = (await acquireDirLock(deps.paths.releaseLock(id), { wait: true, pollMs: 20 }))!;
  try {
    return await fn();
  } finally {
    unlock();
  }
}

/** Frees the container's mounts and network; the caller holds the release lock. */
export async function releaseHeld(deps: ContainerDeps, id: string): Promise<void> {
  const target = deps.snapshotter.plan(id).target;
  const done = await Promise.allSettled([isMountPoint(target) ? deps.snapshotter.unmountAsync(target, { lazy: true }) : undefined, deps.networks.detach(id)]);
  for (const d of done) if (d.status === 'rejected') throw d.reason;
  const record = deps.containers.get(id);
  if (record && Object.keys(record.network).length > 0) deps.containers.setNetwork(id, {});
}

async function isRunning(deps: ContainerDeps, id: string): Promise<boolean> {
  const rt = await deps.runtime().stateOrNull(id);
  return rt?.status === 'running' || rt?.status === 'paused' || rt?.status === 'created';
}

export function removeContainerDir(deps: ContainerDeps, id: string): void {
  rmSync(deps.paths.dir(id), { recursive: true, force: true });
}
