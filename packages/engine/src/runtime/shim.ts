import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Writable } from 'node:stream';
import { DrydockError } from '../errors.js';
import { containerFiles, readState, type ContainerState } from './container.js';
import { writeJsonAtomic } from './spec.js';
import { supervise, type ShimConfig } from './supervisor.js';

export type { ShimConfig } from './supervisor.js';

/**
 * The daemonless answer to containerd-shim. `docker run -d` spawns a shim: a
 * detached Node process (its own session, stdio on `<dir>/shim.log`) that
 * runs the container through the OCI runtime in the foreground, writes its
 * output to the json-file log, records the exit code and finish time in
 * `state.json`, deletes the runtime's container and exits. The CLI process
 * that spawned it may exit at once; any later process reads the container's
 * directory (see container.ts) for state, logs and exit code.
 *
 * The shim runs whatever program the caller names, so a bundled CLI points
 * at itself: `spawnShim({ dir, command: process.execPath, args: [cliEntry,
 * '__shim', dir] })`, and its entry calls `runShim(argv)` for `__shim`.
 */
export interface SpawnShimOptions {
  /** The container directory, holding config.json and shim.json (writeShimConfig). */
  dir: string;
  /** The program, usually `process.execPath`. */
  command: string;
  /** Its arguments; the last one must be the container directory. */
  args: string[];
  /** The shim's environment (default: empty; the shim needs none). */
  env?: Record<string, string>;
  /** How long to wait for the container to start (default 30 s). */
  readyTimeoutMs?: number;
}

/** Writes `<dir>/shim.json` (the shim's only input besides its arguments). */
export function writeShimConfig(config: ShimConfig): void {
  writeJsonAtomic(containerFiles(config.dir).shimConfig, config, 0o600);
}

export function readShimConfig(dir: string): ShimConfig {
  try {
    return JSON.parse(readFileSync(containerFiles(dir).shimConfig, 'utf8')) as ShimConfig;
  } catch (err) {
    throw new DrydockError('not-found', `no shim configuration in ${dir}`, { cause: err });
  }
}

/**
 * Spawns the detached shim and resolves once the container runs (state
 * `running`) or has already ended (`exited`, e.g. exit code 127 for a
 * command not found). Throws `internal` if the shim dies without a state,
 * with the end of its own log.
 */
export async function spawnShim(opts: SpawnShimOptions): Promise<ContainerState> {
  const files = containerFiles(opts.dir);
  rmSync(files.state, { force: true });
  const out = openSync(files.shimLog, 'a', 0o600);
  let exited: number | null = null;
  try {
    const child = spawn(opts.command, opts.args, { detached: true, stdio: ['ignore', out, out], env: opts.env ?? {} });
    child.once('exit', (code, sig) => {
      exited = code ?? (sig ? 128 : 1);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => reject(new DrydockError('io', `cannot start the shim ${opts.command}: ${err.message}`, { cause: err })));
    });
    child.unref();
  } finally {
    closeSync(out);
  }
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    const state = readState(opts.dir);
    if (state) return state;
    if (exited !== null) {
      throw new DrydockError('internal', `the shim exited (${exited}) before the container started: ${tail(files.shimLog)}`);
    }
    if (Date.now() > deadline) throw new DrydockError('internal', `the container did not start within ${opts.readyTimeoutMs ?? 30_000} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The shim's body, for the entry to call: `process.exit(await runShim(argv))`.
 * Takes the process's arguments (the last is the container directory, e.g.
 * `['__shim', dir]`) or a ShimConfig. Resolves with the shim's own exit
 * status: 0 once the container's end is recorded, 1 if supervision failed.
 */
export async function runShim(input: readonly string[] | ShimConfig): Promise<number> {
  let config: ShimConfig;
  if (isConfig(input)) config = input;
  else {
    const dir = input[input.length - 1];
    if (!dir || !isAbsolute(dir)) throw new DrydockError('invalid-argument', 'the shim needs the container directory (an absolute path) as its last argument');
    config = readShimConfig(dir);
  }
  try {
    await supervise(config, {
      stdin: config.openStdin || config.tty ? 'open' : 'null',
      // In its own session no terminal signals reach the shim; a signal sent to it is meant for the container.
      proxySignals: ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'],
      dieWithSupervisor: true,
    });
    return 0;
  } catch (err) {
    process.stderr.write(`drydock shim: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

function isConfig(input: readonly string[] | ShimConfig): input is ShimConfig {
  return !Array.isArray(input);
}

/** The caller's stdio for a foreground run (`docker run` without -d). */
export interface ForegroundIo {
  /** `-i`: the file descriptor the container reads (usually 0); default none (/dev/null). */
  stdin?: number;
  stdout: Writable;
  stderr: Writable;
  /** Called once the process runs (e.g. to print nothing, or record the start). */
  onStart?: (state: ContainerState) => void;
  /** Kills the container (SIGKILL) when it fires: the run then ends as killed. */
  signal?: AbortSignal;
}

/**
 * `docker run` in the foreground (and `-it`): this process supervises the
 * container exactly as the shim would (log, state file, exit code, runtime
 * cleanup) while passing output through to `io`. So `ps` and `logs` from
 * another process work meanwhile, and afterwards as for a detached one.
 *
 * Signals: the runtime stays in the caller's process group, so terminal
 * signals (Ctrl-C as SIGINT, SIGQUIT) reach it directly and it forwards them
 * to the container; this process ignores those while it supervises, and
 * forwards SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to it. With a tty the
 * terminal is put in raw mode by the relay (see ttyCommand in supervisor.ts)
 * and Ctrl-C is just a byte for the container.
 *
 * Resolves with the final state; the exit code for the CLI is `exitCode`.
 */
export function runForeground(config: ShimConfig, io: ForegroundIo): Promise<ContainerState> {
  rmSync(containerFiles(config.dir).state, { force: true });
  return supervise(config, {
    stdin: io.stdin ?? (config.tty || config.openStdin ? 'open' : 'null'),
    stdout: io.stdout,
    stderr: io.stderr,
    proxySignals: ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'],
    ignoreSignals: ['SIGINT', 'SIGQUIT'],
    ...(io.onStart ? { onStart: io.onStart } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  });
}

function tail(path: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text.split('\n').slice(-3).join(' | ') || '(no output)';
  } catch {
    return '(no output)';
  }
}
