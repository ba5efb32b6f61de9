import { DrydockError } from '../errors.js';
import { inspectContainer, type ContainerStatus } from '../runtime/container.js';
import type { ContainerRecord } from './container-store.js';
import type { ContainerDeps } from './deps.js';
import { reapOrphan } from './orphan.js';

/** A container with its live state, as `docker ps` and `docker inspect` need it. */
export interface ContainerSummary {
  record: ContainerRecord;
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  error: string;
}

/**
 * Reads one container's live state from its directory and the runtime. A
 * container whose supervisor died is reaped first (see reapOrphan): then
 * `not-found` if it was a `--rm` one, now removed.
 */
export async function containerSummary(deps: ContainerDeps, record: ContainerRecord): Promise<ContainerSummary> {
  const dir = deps.paths.dir(record.id);
  let { status, state, supervised } = await inspectContainer(dir, deps.runtime(), record.id);
  if (state?.status === 'running' && !supervised) {
    if (!(await reapOrphan(deps, record))) throw new DrydockError('not-found', `No such container: ${record.id}`);
    ({ status, state } = await inspectContainer(dir, deps.runtime(), record.id));
  }
  return {
    record,
    status,
    pid: status === 'running' || status === 'paused' ? state?.pid ?? 0 : 0,
    exitCode: state?.exitCode ?? 0,
    startedAt: state?.startedAt ?? '0001-01-01T00:00:00Z',
    finishedAt: state?.finishedAt ?? '0001-01-01T00:00:00Z',
    error: state?.error ?? '',
  };
}

/** `docker container inspect`: the daemon's ContainerJSON shape (the fields we know). */
export function inspectJson(s: ContainerSummary, rootfs: { target: string; driver: 'overlay' | 'copy' }, mounts: Record<string, unknown>[]): Record<string, unknown> {
  const r = s.record;
  const running = s.status === 'running' || s.status === 'paused';
  const args = [...(r.config.Entrypoint ?? []), ...(r.config.Cmd ?? [])];
  return {
    Id: r.id,
    Created: new Date(r.createdMs).toISOString(),
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: {
      Status: s.status,
      Running: running,
      Paused: s.status === 'paused',
      Restarting: false,
      OOMKilled: false,
      Dead: s.status === 'dead',
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
    },
    Image: r.imageId,
    Name: `/${r.name}`,
    RestartCount: 0,
    Driver: 'overlay',
    Platform: 'linux',
    HostConfig: {
      Binds: r.hostConfig.binds,
      NetworkMode: r.hostConfig.networkMode === 'bridge' ? 'default' : r.hostConfig.networkMode,
      PortBindings: Object.fromEntries(
        (r.network.ports ?? []).map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }]]),
      ),
      AutoRemove: r.hostConfig.autoRemove,
      Memory: r.hostConfig.memory ?? 0,
      NanoCpus: r.hostConfig.nanoCpus ?? 0,
    },
    GraphDriver: { Data: { MergedDir: rootfs.target }, Name: rootfs.driver },
    Mounts: mounts,
    Config: r.config,
    NetworkSettings: {
      IPAddress: r.network.ip ?? '',
      Gateway: r.network.gateway ?? '',
      Ports: Object.fromEntries((r.network.ports ?? []).map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }]])),
      SandboxKey: r.network.netnsPath ?? '',
    },
  };
}
