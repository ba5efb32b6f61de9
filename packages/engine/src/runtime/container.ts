import { readFileSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { DrydockError, isDrydockError } from '../errors.js';
import type { OciRuntime } from './crun.js';
import { writeJsonAtomic } from './spec.js';

/**
 * One container's directory: the OCI bundle and everything its supervisor
 * (the shim, or the CLI in the foreground) records, so that any later
 * process can tell its state, read its logs and get its exit code.
 */
export interface ContainerFiles {
  dir: string;
  /** The OCI spec (the bundle is the directory itself). */
  config: string;
  /** The shim's configuration (ShimConfig). */
  shimConfig: string;
  /** ContainerState, replaced atomically by the supervisor. */
  state: string;
  /** `<pid> <start time>` of the supervising process. */
  shimPid: string;
  /** The runtime's `--pid-file`: the container's init on the host. */
  initPid: string;
  /** The runtime's own log (JSON lines): how startup failures are told from exit codes. */
  runtimeLog: string;
  /** The json-file log. */
  log: string;
  /** The detached shim's own stdout/stderr (its crash reports). */
  shimLog: string;
}

export function containerFiles(dir: string): ContainerFiles {
  return {
    dir,
    config: `${dir}/config.json`,
    shimConfig: `${dir}/shim.json`,
    state: `${dir}/state.json`,
    shimPid: `${dir}/shim.pid`,
    initPid: `${dir}/init.pid`,
    runtimeLog: `${dir}/runtime.log`,
    log: `${dir}/container-json.log`,
    shimLog: `${dir}/shim.log`,
  };
}

/** What the supervisor records. Times are RFC3339Nano. */
export interface ContainerState {
  status: 'running' | 'exited';
  /** The container's init process on the host (while running). */
  pid?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Docker's: the process's status, 128+n when killed by signal n, 125/126/127 when it never ran. */
  exitCode?: number;
  /** Why the process never ran (the runtime's message). */
  error?: string;
}

export function readState(dir: string): ContainerState | null {
  try {
    return JSON.parse(readFileSync(containerFiles(dir).state, 'utf8')) as ContainerState;
  } catch {
    return null;
  }
}

export function writeState(dir: string, state: ContainerState): void {
  writeJsonAtomic(containerFiles(dir).state, state, 0o644);
}

/** A process's start time (clock ticks since boot), to tell it from a later process reusing its pid; null when gone (or a zombie). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null; // exited, not yet reaped
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Records `pid` (default: this process) as the container's supervisor. */
export function writeShimPid(dir: string, pid: number = process.pid): void {
  writeJsonAtomic(containerFiles(dir).shimPid, { pid, startTime: processStartTime(pid) }, 0o644);
}

export function readShimPid(dir: string): { pid: number; startTime: string | null } | null {
  try {
    const v = JSON.parse(readFileSync(containerFiles(dir).shimPid, 'utf8')) as { pid: number; startTime: string | null };
    return typeof v.pid === 'number' ? v : null;
  } catch {
    return null;
  }
}

export function removeShimPid(dir: string): void {
  rmSync(containerFiles(dir).shimPid, { force: true });
}

/** Whether the recorded supervisor is alive (same pid and same start time, so not a reused pid). */
export function shimAlive(dir: string): boolean {
  const rec = readShimPid(dir);
  if (!rec) return false;
  const now = processStartTime(rec.pid);
  return now !== null && (rec.startTime === null || now === rec.startTime);
}

/** Docker's container states, as far as this layer can tell them. */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'exited' | 'dead';

export interface ContainerInspect {
  status: ContainerStatus;
  state: ContainerState | null;
  /** The supervisor is alive. */
  supervised: boolean;
}

/**
 * The container's status for `ps`/`inspect` from any process: the state file,
 * whether the supervisor lives, and the runtime (for `paused`). A container
 * whose supervisor died before recording an exit is `dead` if the runtime no
 * longer has it running, else still `running`/`paused` (unsupervised).
 */
export async function inspectContainer(dir: string, runtime: OciRuntime, id: string): Promise<ContainerInspect> {
  const state = readState(dir);
  const supervised = shimAlive(dir);
  if (state?.status === 'exited') return { status: 'exited', state, supervised };
  if (!state) return { status: 'created', state, supervised };
  const rt = await runtime.stateOrNull(id);
  if (rt?.status === 'paused') return { status: 'paused', state, supervised };
  if (rt?.status === 'running' || rt?.status === 'created') return { status: 'running', state, supervised };
  return { status: supervised ? 'running' : 'dead', state, supervised };
}

/**
 * Resolves with the state once it says `exited` (or the supervisor is gone
 * without recording it: then null), or with the last state seen after
 * `timeoutMs`. Watches the directory and polls as a fallback.
 */
export function waitForExit(dir: string, timeoutMs = Number.POSITIVE_INFINITY): Promise<ContainerState | null> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const done = (v: ContainerState | null) => {
      watcher?.close();
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve(v);
    };
    const check = () => {
      const s = readState(dir);
      if (s?.status === 'exited') return done(s);
      if (!shimAlive(dir)) {
        // The supervisor may have exited between the two reads: read once more.
        const again = readState(dir);
        return done(again?.status === 'exited' ? again : null);
      }
    };
    try {
      watcher = watch(dir, () => check());
      watcher.on('error', () => undefined);
    } catch {
      // no inotify: polling alone
    }
    poll = setInterval(check, 100);
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => done(readState(dir)), timeoutMs);
    check();
  });
}

/**
 * `docker stop`: the stop signal, then SIGKILL after `timeoutSec` (Docker's
 * default 10). A paused container is resumed after the signal so it can act
 * on it. Resolves with the exited state; `conflict` if it never stops.
 */
export async function stopContainer(
  dir: string,
  runtime: OciRuntime,
  id: string,
  opts: { timeoutSec?: number; signal?: string } = {},
): Promise<ContainerState> {
  const current = readState(dir);
  if (!current || current.status === 'exited') return current ?? { status: 'exited' };
  const timeoutMs = (opts.timeoutSec ?? 10) * 1000;
  if (timeoutMs !== 0) {
    await signalContainer(runtime, id, opts.signal ?? 'SIGTERM');
    const s = timeoutMs < 0 ? await waitForExit(dir) : await waitForExit(dir, timeoutMs);
    if (s?.status === 'exited') return s;
  }
  await signalContainer(runtime, id, 'SIGKILL');
  const s = await waitForExit(dir, 30_000);
  if (s?.status === 'exited') return s;
  if (!shimAlive(dir)) return { ...(s ?? {}), status: 'exited' };
  throw new DrydockError('conflict', `container ${id} did not stop`);
}

/** `docker kill`: one signal; tolerates a container that already exited. Resumes a paused container for SIGKILL/SIGTERM. */
export async function signalContainer(runtime: OciRuntime, id: string, signal: string): Promise<void> {
  try {
    await runtime.kill(id, signal);
    const st = await runtime.stateOrNull(id);
    if (st?.status === 'paused' && /^(SIG)?(KILL|TERM|9|15)$/i.test(signal)) await runtime.resume(id);
  } catch (err) {
    if (isDrydockError(err, 'not-found') || isDrydockError(err, 'conflict')) return;
    throw err;
  }
}
