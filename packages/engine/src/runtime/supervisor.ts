import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { OciRuntime, RUNTIME_ENV, runtimeMessage, type RuntimeOptions } from './crun.js';
import { containerFiles, removeShimPid, writeShimPid, writeState, type ContainerState } from './container.js';
import { JsonLogWriter, nowRfc3339Nano } from './json-log.js';
import { rawTerminal, ttyCommand } from './tty.js';

/**
 * What the supervisor of one container needs; the shim reads it from
 * `<dir>/shim.json`. Serialisable.
 */
export interface ShimConfig {
  /** The container's ID for the runtime. */
  id: string;
  /** The container's directory, an OCI bundle (config.json written). */
  dir: string;
  runtime: RuntimeOptions;
  /** Must match the spec's `process.terminal`. */
  tty: boolean;
  /** The pty relays for `-t` (see tty.ts): util-linux `script` (default /usr/bin/script), python3 (default /usr/bin/python3). */
  scriptBinary?: string;
  pythonBinary?: string;
  /** Detached `-i`: keep the container's stdin open (a pipe nobody writes yet) instead of /dev/null. */
  openStdin?: boolean;
}

/** Where a supervised container's stdio goes besides the log (foreground runs). */
export interface SuperviseIo {
  /**
   * The container's stdin: `null` (/dev/null, Docker without -i), `open` (a
   * pipe never written nor closed: a tty with no input, or `-d -i`), or a
   * file descriptor to inherit (`-i`, e.g. 0).
   */
  stdin?: 'null' | 'open' | number;
  stdout?: Writable;
  stderr?: Writable;
  /** Forward these signals received by this process to the container (Docker's --sig-proxy). */
  proxySignals?: NodeJS.Signals[];
  /**
   * Signals this process must survive without forwarding: those a terminal
   * sends its whole foreground process group (SIGINT, SIGQUIT), which the
   * runtime, in that group too, already received and forwards itself.
   */
  ignoreSignals?: NodeJS.Signals[];
  /** Called once the container's process runs. */
  onStart?: (state: ContainerState) => void;
  /** Kills the container (SIGKILL to its init; the runtime itself if it has not started one yet). */
  signal?: AbortSignal;
  /**
   * A detached shim's container dies with it, as containerd's does with a lost shim (see
   * `watchForOwnDeath`). A foreground run's does not: as with `docker run`, a killed client
   * leaves the container running, for the next command to find without a supervisor.
   */
  dieWithSupervisor?: boolean;
}

/**
 * Runs the container's process through the runtime in the foreground and
 * supervises it to the end (the shim's whole job, also used in-process for
 * foreground runs):
 *
 * 1. records this process as the supervisor (`shim.pid`);
 * 2. `runtime run` with stdout/stderr piped; every chunk goes to the
 *    json-file log (and to `io`), held back until the runtime's pid file
 *    shows the process was started, so that a runtime's own error text
 *    (printed on the same stderr) never lands in the container's log;
 * 3. writes `running` with the init pid once started;
 * 4. when the runtime exits, writes `exited` with Docker's exit code
 *    (see startFailureCode) and the finish time, deletes the runtime's
 *    container and removes `shim.pid`.
 *
 * Never throws for the container's failures: they are in the returned state.
 */
export async function supervise(config: ShimConfig, io: SuperviseIo = {}): Promise<ContainerState> {
  const files = containerFiles(config.dir);
  const runtime = new OciRuntime(config.runtime);
  for (const f of [files.initPid, files.runtimeLog]) rmSync(f, { force: true });
  writeFileSync(files.runtimeLog, '', { mode: 0o600 });
  writeShimPid(config.dir);
  const log = new JsonLogWriter(files.log);
  const runArgs = runtime.runArgs(config.id, config.dir, { pidFile: files.initPid, logFile: files.runtimeLog });
  const [command, args] = config.tty
    ? ttyCommand({
        flavor: runtime.flavor,
        binary: runtime.binary,
        args: runArgs,
        stdinIsTty: typeof io.stdin === 'number' && isatty(io.stdin),
        size: consoleSize(config.dir),
        ...(config.scriptBinary ? { scriptBinary: config.scriptBinary } : {}),
        ...(config.pythonBinary ? { pythonBinary: config.pythonBinary } : {}),
      })
    : [runtime.binary, runArgs];

  const stdinMode = io.stdin ?? 'null';
  const stdio: StdioOptions = [stdinMode === 'null' ? 'ignore' : stdinMode === 'open' ? 'pipe' : stdinMode, 'pipe', 'pipe'];
  let state: ContainerState = { status: 'running' };
  let started = false;
  let watch: ChildProcess | undefined;
  const held: Array<{ stream: 'stdout' | 'stderr'; chunk: Buffer; time: string }> = [];
  const sink = (stream: 'stdout' | 'stderr', chunk: Buffer, time: string) => {
    log.write(stream, chunk, time);
    (stream === 'stdout' ? io.stdout : io.stderr)?.write(chunk);
  };
  // `final`: the runtime has exited, so a pid file that is there counts even if it could not be read whole.
  const markStarted = (final = false) => {
    if (started || !existsSync(files.initPid)) return started;
    // The runtime may create the pid file before it writes the number (crun does): wait for the number.
    const pid = Number(readFileSync(files.initPid, 'utf8').trim()) || undefined;
    if (pid === undefined && !final) return false;
    started = true;
    if (!final && io.dieWithSupervisor) watch = watchForOwnDeath(runtime, config.id);
    state = { status: 'running', ...(pid ? { pid } : {}), startedAt: nowRfc3339Nano() };
    writeState(config.dir, state);
    for (const h of held.splice(0)) sink(h.stream, h.chunk, h.time);
    io.onStart?.(state);
    return true;
  };

  let spawnError: Error | undefined;
  const restoreTerminal = config.tty && typeof io.stdin === 'number' ? rawTerminal(io.stdin) : () => undefined;
  const child: ChildProcess = spawn(command, args, { stdio, env: RUNTIME_ENV, cwd: config.dir });
  const exit = new Promise<number>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve(125);
    });
    child.once('exit', (code, sig) => resolve(code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0)));
  });
  const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const time = nowRfc3339Nano();
    if (markStarted()) sink(stream, chunk, time);
    else held.push({ stream, chunk, time });
  };
  // With a tty the relay's stderr has only its own and the runtime's complaints; the container's output all comes through the pty.
  const scriptErr: Buffer[] = [];
  child.stdout?.on('data', onData('stdout'));
  child.stderr?.on('data', config.tty ? (c: Buffer) => scriptErr.push(c) : onData('stderr'));
  const closed = Promise.all([streamClosed(child.stdout), streamClosed(child.stderr)]);
  const poll = setInterval(() => markStarted(), 5);

  const forward = (sig: NodeJS.Signals) => {
    if (started) runtime.kill(config.id, sig).catch(() => undefined);
    else child.kill(sig);
  };
  const ignore = () => undefined;
  for (const sig of io.proxySignals ?? []) process.on(sig, forward);
  for (const sig of io.ignoreSignals ?? []) process.on(sig, ignore);
  // Killing the init ends the pid namespace; a runtime that has no container yet is killed itself (the cleanup below deletes any leftover).
  const abort = () => void runtime.kill(config.id, 'SIGKILL').catch(() => child.kill('SIGKILL'));
  if (io.signal?.aborted) abort();
  else io.signal?.addEventListener('abort', abort, { once: true });
  try {
    const status = await exit;
    // The container's processes are gone with its pid namespace; wait briefly for the pipes to drain.
    await Promise.race([closed, delay(2000)]);
    clearInterval(poll);
    markStarted(true);
    const failure = started ? null : startupFailure(files.runtimeLog, spawnError, Buffer.concat(scriptErr).toString('utf8'));
    if (failure) {
      held.length = 0;
      state = { status: 'exited', exitCode: failure.code, error: failure.message, finishedAt: nowRfc3339Nano() };
    } else {
      for (const h of held.splice(0)) sink(h.stream, h.chunk, h.time);
      state = { ...state, status: 'exited', exitCode: status, finishedAt: nowRfc3339Nano() };
      delete state.pid;
    }
    log.close();
    writeState(config.dir, state);
    // A foreground `run` deletes its container on exit; only a leftover (runtime killed) needs `delete`.
    // Both runtimes keep a container's state in <root>/<id>.
    if (existsSync(`${runtime.root}/${config.id}`)) await runtime.delete(config.id, { force: true }).catch(() => undefined);
    return state;
  } finally {
    watch?.kill('SIGKILL');
    restoreTerminal();
    clearInterval(poll);
    io.signal?.removeEventListener('abort', abort);
    for (const sig of io.proxySignals ?? []) process.off(sig, forward);
    for (const sig of io.ignoreSignals ?? []) process.off(sig, ignore);
    log.close();
    removeShimPid(config.dir);
  }
}

/**
 * A small process that kills the container if the supervisor dies without
 * seeing it end (`kill -9`), as containerd kills the container of a shim it
 * lost: it waits on a pipe whose other end only the supervisor holds, and
 * end-of-file means the supervisor is gone. The supervisor kills it once the
 * container ended. Recording the end (137) and freeing mounts and network is
 * then the next command's job (container/orphan.ts). Its own session, so a
 * terminal's Ctrl-C never reaches it.
 */
function watchForOwnDeath(runtime: OciRuntime, id: string): ChildProcess | undefined {
  try {
    const kill = [runtime.binary, ...runtime.globalArgs(), 'kill', id, 'KILL'];
    const child = spawn('/bin/sh', ['-c', 'read -r _ <&3; exec "$@"', 'drydock-watch', ...kill], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      detached: true,
      env: RUNTIME_ENV,
    });
    child.on('error', () => undefined);
    child.unref();
    (child.stdio[3] as { unref?: () => void } | null)?.unref?.();
    return child;
  } catch {
    return undefined; // the next command still reaps a container whose supervisor died
  }
}

/**
 * Docker's exit code for a process that never ran, from the runtime's error,
 * with the Docker CLI's rules: 127 for "executable file not found" or "no
 * such file or directory", 126 for "permission denied" or "is a directory"
 * (plus crun's "Operation not permitted" for a directory), else 125.
 */
export function startFailureCode(message: string): number {
  const m = message.toLowerCase();
  if (m.includes('executable file not found') || m.includes('no such file or directory')) return 127;
  if (m.includes('permission denied') || m.includes('is a directory') || m.includes('operation not permitted')) return 126;
  return 125;
}

function startupFailure(runtimeLog: string, spawnError: Error | undefined, scriptErr: string): { code: number; message: string } | null {
  if (spawnError) return { code: 125, message: `cannot run the OCI runtime: ${spawnError.message}` };
  let text = '';
  try {
    text = readFileSync(runtimeLog, 'utf8');
  } catch {
    // no log: nothing to tell
  }
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const j = JSON.parse(line) as { level?: string; msg?: string };
      if (j.level === 'error' || j.level === 'fatal') errors.push(runtimeMessage(line));
    } catch {
      errors.push(runtimeMessage(line));
    }
  }
  if (errors.length === 0 && scriptErr.trim()) errors.push(scriptErr.trim().split('\n').join(': '));
  if (errors.length === 0) return null;
  const message = errors.join(': ');
  return { code: startFailureCode(message), message };
}

/** The spec's console size (buildSpec sets one for every tty), default 24x80. */
function consoleSize(dir: string): { height: number; width: number } {
  try {
    const spec = JSON.parse(readFileSync(containerFiles(dir).config, 'utf8')) as { process?: { consoleSize?: { height: number; width: number } } };
    const size = spec.process?.consoleSize;
    if (size && size.height > 0 && size.width > 0) return size;
  } catch {
    // the runtime will complain about the bundle itself
  }
  return { height: 24, width: 80 };
}

function streamClosed(s: NodeJS.ReadableStream | null | undefined): Promise<void> {
  if (!s) return Promise.resolve();
  return new Promise((resolve) => {
    s.once('close', () => resolve());
    s.once('end', () => resolve());
    s.once('error', () => resolve());
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
