import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { DrydockError } from '../errors.js';
import type { ContainerConfig } from '../image/config.js';
import { resolveImage } from '../image/resolve.js';
import { parsePortSpecs } from '../network/port-spec.js';
import type { ContainerDeps } from './deps.js';
import { generateName, VALID_NAME } from './names.js';
import type { ContainerRecord, HostConfig } from './container-store.js';
import { removeContainer } from './remove.js';
import { planMounts, populateVolumes } from './volume-mounts.js';

/** What `docker create` / `docker run` take (the flags we support). */
export interface CreateOptions {
  image: string;
  name?: string;
  /** The command after the image: replaces the image's Cmd. */
  cmd?: string[];
  /** `--entrypoint` (an empty string clears it). */
  entrypoint?: string;
  env?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  tty?: boolean;
  openStdin?: boolean;
  binds?: string[];
  publish?: string[];
  network?: 'bridge' | 'host' | 'none';
  memory?: number;
  cpus?: number;
  autoRemove?: boolean;
  labels?: Record<string, string>;
}

/**
 * `docker create`: resolves the image, merges its config with the options
 * (validated before anything is written), unpacks its layers once, prepares
 * the container's snapshot and records it. Returns the new container.
 */
export async function createContainer(deps: ContainerDeps, opts: CreateOptions): Promise<ContainerRecord> {
  const { id: imageId } = resolveImage(deps.images, opts.image);
  const image = deps.images.config(imageId);
  const name = opts.name?.replace(/^\//, '');
  if (name !== undefined && !VALID_NAME.test(name)) {
    throw new DrydockError('invalid-argument', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  parsePortSpecs(opts.publish ?? []);
  if (opts.network === 'host' && opts.hostname) throw new DrydockError('invalid-argument', 'Conflicting options: hostname and the network mode');

  const id = randomBytes(32).toString('hex');
  const config = mergeConfig(image.config, opts, id);
  const mounts = planMounts(opts.binds ?? [], Object.keys(config.Volumes ?? {}));
  // `-v /path` joins the container's VOLUMEs, as in Docker (and so a commit's).
  if (mounts.anonymousPaths.length > 0) config.Volumes = { ...config.Volumes, ...Object.fromEntries(mounts.anonymousPaths.map((p) => [p, {}])) };
  const hostConfig: HostConfig = {
    binds: mounts.binds,
    publish: opts.publish ?? [],
    networkMode: opts.network ?? 'bridge',
    ...(opts.memory !== undefined ? { memory: opts.memory } : {}),
    ...(opts.cpus !== undefined ? { nanoCpus: Math.round(opts.cpus * 1e9) } : {}),
    autoRemove: opts.autoRemove ?? false,
    volumeMounts: mounts.volumeMounts,
  };

  const layers = deps.images.layers(imageId);
  await deps.snapshotter.prepareLayers(layers.map((l) => ({ diffId: l.diffId, chainId: l.chainId, open: () => deps.content.openRead(l.diffId) })));
  await deps.snapshotter.prepare(id, layers.at(-1)?.chainId ?? null);
  mkdirSync(deps.paths.dir(id), { recursive: true, mode: 0o700 });
  const record: ContainerRecord = {
    id,
    name: name ?? generateName((n) => deps.containers.byName(n) !== undefined),
    imageId,
    imageName: opts.image,
    createdMs: Date.now(),
    config,
    hostConfig,
    network: {},
  };
  try {
    deps.volumes.using(hostConfig.volumeMounts, () => deps.containers.insert(record));
  } catch (err) {
    deps.snapshotter.remove(id);
    throw err;
  }
  try {
    await populateVolumes(deps, id, hostConfig.volumeMounts);
  } catch (err) {
    await removeContainer(deps, id, { volumes: true }).catch(() => undefined);
    throw err;
  }
  return record;
}

/** The container's Config: the image's, with the run options applied as Docker does. */
function mergeConfig(image: Partial<ContainerConfig> | undefined, o: CreateOptions, id: string): ContainerConfig {
  const base = structuredClone(image ?? {}) as ContainerConfig;
  const entrypoint = o.entrypoint === undefined ? base.Entrypoint ?? null : o.entrypoint === '' ? null : [o.entrypoint];
  // A new entrypoint drops the image's Cmd (Docker's rule), unless a command is given.
  const cmd = o.cmd && o.cmd.length > 0 ? o.cmd : o.entrypoint !== undefined ? null : base.Cmd ?? null;
  const env = [...(base.Env ?? [])];
  for (const e of o.env ?? []) {
    const key = e.split('=')[0]!;
    const i = env.findIndex((x) => x.split('=')[0] === key);
    if (i >= 0) env[i] = e;
    else env.push(e);
  }
  return {
    ...base,
    Hostname: o.hostname ?? (o.network === 'host' ? '' : id.slice(0, 12)),
    Domainname: base.Domainname ?? '',
    User: o.user ?? base.User ?? '',
    AttachStdin: o.openStdin ?? false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: o.tty ?? false,
    OpenStdin: o.openStdin ?? false,
    StdinOnce: o.openStdin ?? false,
    Env: env.length > 0 ? env : null,
    Cmd: cmd,
    Image: o.image,
    Volumes: base.Volumes ?? null,
    WorkingDir: o.workdir ?? base.WorkingDir ?? '',
    Entrypoint: entrypoint,
    OnBuild: base.OnBuild ?? null,
    Labels: { ...(base.Labels ?? {}), ...(o.labels ?? {}) },
  };
}
