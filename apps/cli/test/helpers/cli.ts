import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../../..');
export const fixtures = process.env.DRYDOCK_FIXTURES ?? '/var/cache/drydock-test';
export const busyboxTar = join(fixtures, 'busybox-rootfs.tar');
export const debianTar = join(fixtures, 'debian-rootfs.tar');

export interface Result {
  stdout: string;
  stderr: string;
  status: number;
}

/** A scratch state root and a way to run the real CLI bundle against it. */
export function cliSandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-cli-'));
  const env: NodeJS.ProcessEnv & { DRYDOCK_ROOT: string } = { ...process.env, DRYDOCK_ROOT: join(dir, 'root') };
  return {
    dir,
    env,
    run(args: string[], opts: { input?: string | Buffer } = {}): Result {
      const r = spawnSync(join(repoRoot, 'bin/drydock'), args, { env, input: opts.input, maxBuffer: 1 << 28 });
      return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status ?? -1 };
    },
    /** Runs the CLI asynchronously (concurrency tests, peers served from the test process, long runs that must not block the worker). */
    spawn(args: string[], opts: { input?: string } = {}): Promise<Result> {
      return spawnAsync(join(repoRoot, 'bin/drydock'), args, env, opts.input);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A command run without blocking the event loop (vitest's worker must keep answering during long builds). */
export function spawnAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input = ''): Promise<Result> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => done({ stdout, stderr, status: status ?? -1 }));
  });
}

export function sh(cmd: string, args: string[], input?: string | Buffer): Result {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 28 });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status ?? -1 };
}

/** Runs a peer tool and fails the test with its stderr when it fails. */
export function must(cmd: string, args: string[], input?: string | Buffer): string {
  const r = sh(cmd, args, input);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Asserts the CLI failed the way users expect: one line, no stack trace, non-zero. */
export function expectCleanFailure(r: Result): string {
  if (r.status === 0) throw new Error(`expected failure, got success: ${r.stdout}`);
  const lines = r.stderr.trimEnd().split('\n');
  if (lines.length !== 1 || /\n\s+at /.test(r.stderr)) throw new Error(`expected one error line, got:\n${r.stderr}`);
  return lines[0]!;
}
