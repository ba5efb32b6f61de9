import { spawn, type StdioOptions } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { DrydockError, type ErrorCode } from '../errors.js';
import { hostInfo, type HostInfo } from './host.js';

export type RuntimeFlavor = 'crun' | 'runc';

/** A serialisable description of the OCI runtime to use (the shim gets it as JSON). */
export interface RuntimeOptions {
  /** Absolute path of the binary (or of a wrapper taking the same arguments). */
  binary: string;
  flavor: RuntimeFlavor;
  /** The runtime's state directory (`--root`), under the engine's state root. */
  root: string;
}

/** `<runtime> state` output. */
export interface OciState {
  ociVersion: string;
  id: string;
  /** 0 once the process has exited. */
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
  created?: string;
}

/** The environment given to runtime processes: fixed, so nothing of the caller's (NOTIFY_SOCKET, XDG_*) leaks in. */
export const RUNTIME_ENV: Readonly<Record<string, string>> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

const CANDIDATES: Record<RuntimeFlavor, string[]> = {
  crun: ['/usr/bin/crun', '/usr/local/bin/crun', '/usr/sbin/crun', '/usr/local/sbin/crun'],
  runc: ['/usr/bin/runc', '/usr/sbin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc', '/usr/bin/runc.amd64'],
};

/**
 * Why a runtime cannot work on this host, or null. crun (1.x) refuses any
 * container on a hybrid cgroup host whose cgroup2 hierarchy has controllers
 * ("cgroups in hybrid mode not supported, drop all controllers from
 * cgroupv2"), whatever the cgroup manager; runc drives the v1 controllers there.
 */
export function runtimeUnusableReason(flavor: RuntimeFlavor, host: HostInfo): string | null {
  if (flavor === 'crun' && host.cgroupMode === 'hybrid' && host.v2Controllers.length > 0) {
    return `crun does not support hybrid cgroups with controllers on cgroup v2 (${host.v2Controllers.join(' ')})`;
  }
  return null;
}

/**
 * Picks the runtime: crun when installed and usable on this host, else runc.
 * `prefer` reorders; `binaries` overrides where each is looked for.
 */
export function detectRuntime(opts: { root: string; prefer?: RuntimeFlavor[]; binaries?: Partial<Record<RuntimeFlavor, string>>; host?: HostInfo }): OciRuntime {
  const host = opts.host ?? hostInfo();
  const reasons: string[] = [];
  for (const flavor of opts.prefer ?? ['crun', 'runc']) {
    const given = opts.binaries?.[flavor];
    const binary = given ?? CANDIDATES[flavor].find((p) => existsSync(p));
    if (!binary || !existsSync(binary)) {
      reasons.push(`${flavor} is not installed`);
      continue;
    }
    const why = runtimeUnusableReason(flavor, host);
    if (why) {
      reasons.push(why);
      continue;
    }
    return new OciRuntime({ binary, flavor, root: opts.root });
  }
  throw new DrydockError('not-found', `no usable OCI runtime: ${reasons.join('; ')}`);
}

/**
 * A thin wrapper over an OCI runtime CLI (crun or runc, same verbs). Every
 * failure is a DrydockError whose message carries the runtime's stderr as
 * one line: `not-found` for an unknown container, `conflict` for a container
 * in the wrong state (not running, not paused, already exists), `io` otherwise.
 */
export class OciRuntime {
  readonly binary: string;
  readonly flavor: RuntimeFlavor;
  readonly root: string;

  constructor(opts: RuntimeOptions) {
    this.binary = opts.binary;
    this.flavor = opts.flavor;
    this.root = opts.root;
  }

  toJSON(): RuntimeOptions {
    return { binary: this.binary, flavor: this.flavor, root: this.root };
  }

  /** The global arguments: the state root, and the log file (JSON lines) when given. */
  globalArgs(logFile?: string): string[] {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const args = ['--root', this.root];
    if (logFile) args.push('--log', this.flavor === 'crun' ? `file:${logFile}` : logFile, '--log-format', 'json');
    return args;
  }

  /** argv (after the binary) of a foreground `run`: the runtime creates, starts and waits, and exits with the process's status. */
  runArgs(id: string, bundle: string, opts: { pidFile: string; logFile?: string }): string[] {
    return [...this.globalArgs(opts.logFile), 'run', '--bundle', bundle, '--pid-file', opts.pidFile, id];
  }

  /** argv of a foreground `exec --process`; exits with the process's status. */
  execArgs(id: string, processFile: string, opts: { pidFile?: string; logFile?: string; detach?: boolean } = {}): string[] {
    const args = [...this.globalArgs(opts.logFile), 'exec', '--process', processFile];
    if (opts.pidFile) args.push('--pid-file', opts.pidFile);
    if (opts.detach) args.push('--detach');
    args.push(id);
    return args;
  }

  /** `create`: the container waits for `start`. Without a console socket the process inherits `stdio`. */
  async create(id: string, bundle: string, opts: { pidFile?: string; consoleSocket?: string; stdio?: StdioOptions } = {}): Promise<void> {
    const args = ['create', '--bundle', bundle];
    if (opts.pidFile) args.push('--pid-file', opts.pidFile);
    if (opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
    await this.invoke([...args, id], { stdio: opts.stdio });
  }

  async start(id: string): Promise<void> {
    await this.invoke(['start', id]);
  }

  /**
   * A foreground `run` with the given stdio; resolves with the runtime's exit
   * status (the process's, or 128+signal). Startup failures are not told
   * apart here: the supervisor (shim.ts) does that from the runtime's log.
   */
  run(id: string, bundle: string, opts: { pidFile: string; logFile?: string; stdio?: StdioOptions }): Promise<number> {
    return this.foreground(this.runArgs(id, bundle, opts), opts.stdio ?? 'inherit');
  }

  /** A foreground `exec --process`; resolves with the exit status. */
  exec(id: string, processFile: string, opts: { pidFile?: string; logFile?: string; stdio?: StdioOptions } = {}): Promise<number> {
    return this.foreground(this.execArgs(id, processFile, opts), opts.stdio ?? 'inherit');
  }

  async state(id: string): Promise<OciState> {
    const out = await this.invoke(['state', id]);
    try {
      return JSON.parse(out) as OciState;
    } catch (err) {
      throw new DrydockError('io', `${this.flavor} state ${id}: unreadable output`, { cause: err });
    }
  }

  /** The state, or null when the runtime does not know the container. */
  async stateOrNull(id: string): Promise<OciState | null> {
    try {
      return await this.state(id);
    } catch (err) {
      if (err instanceof DrydockError && err.code === 'not-found') return null;
      throw err;
    }
  }

  async list(): Promise<OciState[]> {
    const out = await this.invoke(['list', '--format', 'json']);
    const parsed = JSON.parse(out.trim() || '[]') as OciState[] | null;
    return parsed ?? [];
  }

  /** Sends a signal (a name such as `TERM`/`SIGTERM`, or a number) to the container's init, or to all its processes. */
  async kill(id: string, signal: string | number = 'SIGTERM', opts: { all?: boolean } = {}): Promise<void> {
    await this.invoke(['kill', ...(opts.all ? ['--all'] : []), id, String(signalNumber(signal))]);
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.invoke(['delete', ...(opts.force ? ['--force'] : []), id]);
  }

  /** Freezes every process of the container (the cgroup freezer). */
  async pause(id: string): Promise<void> {
    await this.invoke(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.invoke(['resume', id]);
  }

  async version(): Promise<string> {
    return (await this.invoke(['--version'], { noRoot: true })).split('\n')[0] ?? '';
  }

  private foreground(args: string[], stdio: StdioOptions): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { stdio, env: RUNTIME_ENV });
      child.once('error', (err) => reject(this.spawnError(err)));
      child.once('exit', (code, sig) => resolve(code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0)));
    });
  }

  /** Runs a short runtime command; resolves with its stdout, throws its stderr as one line. */
  private invoke(args: string[], opts: { stdio?: StdioOptions; noRoot?: boolean; timeoutMs?: number } = {}): Promise<string> {
    const full = opts.noRoot ? args : [...this.globalArgs(), ...args];
    return new Promise((resolve, reject) => {
      const stdio: StdioOptions = opts.stdio ?? ['ignore', 'pipe', 'pipe'];
      const child = spawn(this.binary, full, { stdio, env: RUNTIME_ENV, timeout: opts.timeoutMs ?? 60_000 });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (c: Buffer) => out.push(c));
      child.stderr?.on('data', (c: Buffer) => err.push(c));
      child.once('error', (e) => reject(this.spawnError(e)));
      child.once('close', (code, sig) => {
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        const text = oneLine(Buffer.concat(err).toString('utf8')) || `exited with ${code ?? sig}`;
        reject(new DrydockError(classify(args[0] ?? '', text), `${this.flavor} ${args[0]}${args.length > 1 ? ` ${args[args.length - 1]}` : ''}: ${text}`));
      });
    });
  }

  private spawnError(err: Error): DrydockError {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new DrydockError('not-found', `OCI runtime ${this.flavor} not found at ${this.binary}`, { cause: err });
    return new DrydockError('io', `cannot run ${this.binary}: ${err.message}`, { cause: err });
  }
}

/** A signal name or number as a number (runc and crun both accept numbers). */
export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number') return signal;
  if (/^\d+$/.test(signal)) return Number(signal);
  const up = signal.toUpperCase();
  const name = (up.startsWith('SIG') ? up : `SIG${up}`) as keyof typeof osConstants.signals;
  const n = osConstants.signals[name];
  if (n === undefined) throw new DrydockError('invalid-argument', `invalid signal: ${signal}`);
  return n;
}

/**
 * A runtime's stderr as one line: runc's logrus lines (`time=… level=error
 * msg="…"`) and JSON log lines reduced to their messages, blank lines
 * dropped, the rest joined with `: `.
 */
export function oneLine(stderr: string): string {
  const msgs: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    msgs.push(runtimeMessage(line));
  }
  return [...new Set(msgs)].join(': ');
}

/** The message of one runtime log line (logrus text, JSON, or plain). */
export function runtimeMessage(line: string): string {
  if (line.startsWith('{')) {
    try {
      const j = JSON.parse(line) as { msg?: unknown };
      if (typeof j.msg === 'string') return j.msg;
    } catch {
      // not JSON after all
    }
  }
  const m = /(?:^|\s)msg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (m) return (m[1] ?? '').replace(/\\(.)/g, '$1');
  return line;
}

function classify(verb: string, text: string): ErrorCode {
  const t = text.toLowerCase();
  const aboutContainer = ['state', 'kill', 'delete', 'pause', 'resume', 'exec', 'start'].includes(verb);
  if (aboutContainer && (t.includes('does not exist') || t.includes('no such file or directory') || t.includes('container not found'))) return 'not-found';
  if (t.includes('not running') || t.includes('not paused') || t.includes('already exists') || t.includes('is paused') || t.includes('stopped') || t.includes('cannot start')) {
    return 'conflict';
  }
  return 'io';
}
