import { spawn } from 'node:child_process';
import { DrydockError } from '../errors.js';

/** The PATH children get unless the caller passes another (the engine never reads process.env). */
export const DEFAULT_TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface RunOptions {
  /** The child's whole environment. Defaults to `{ PATH: DEFAULT_TOOL_PATH }`; the parent's is never inherited. */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Killed (SIGKILL) after this long; the result then has `timedOut`. Default 30 s. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a program to completion and collects its output. Resolves for any exit status
 * (callers judge `code`); rejects with `unsupported` when the program is missing and `io`
 * when it cannot be started.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env = options.env ?? { PATH: DEFAULT_TOOL_PATH };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {}); // EPIPE when the child exits without reading; its status says why
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new DrydockError('unsupported', `${command} is not installed`, { cause: e })
          : new DrydockError('io', `cannot run ${command}: ${e.message}`, { cause: e }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a program and throws `io` with its first stderr line unless it exits 0. */
export async function runChecked(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const res = await run(command, args, options);
  if (res.code !== 0) {
    const why = res.timedOut ? 'timed out' : oneLine(res.stderr) || `exit status ${res.code}`;
    throw new DrydockError('io', `${command} ${args.join(' ')}: ${why}`);
  }
  return res.stdout;
}

/** Collapses whitespace so a child's message fits the CLI's one-line errors. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Container IDs and network names become file and namespace names: keep them tame. */
export function assertSafeName(kind: string, name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) {
    throw new DrydockError('invalid-argument', `invalid ${kind} ${JSON.stringify(name)}: only [A-Za-z0-9_.-] are allowed`);
  }
}
