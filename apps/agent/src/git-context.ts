import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DrydockError } from '@drydock/engine';
import type { GitSource } from '@drydock/protocol';

/** git with no prompts and no user or system config in the way. */
const GIT_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: '/nonexistent' };

function git(cwd: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    execFile('git', args, { cwd, env: GIT_ENV, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (!err) return done();
      const why = stderr.trim().split('\n').filter(Boolean).at(-1) ?? err.message;
      fail(new DrydockError('invalid-argument', `unable to fetch the git context: ${why}`));
    });
  });
}

/**
 * A path given by the hub, inside `root`; refuses one that climbs out, by
 * name or through a symlink the repository carries.
 */
export function inside(root: string, path: string, what: string): string {
  const base = realpathSync(root);
  const full = resolve(base, path);
  const target = existsSync(full) ? realpathSync(full) : full;
  const rel = relative(base, target);
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) throw new DrydockError('invalid-argument', `${what} ${JSON.stringify(path)} is outside the context`);
  return target;
}

/**
 * Fetches one commit of a repository (depth 1) into a new directory under
 * `tmp` — `fetch` rather than `clone --branch` so a tag or a commit id works
 * too — and returns the context directory and a cleanup.
 */
export async function fetchGitContext(source: GitSource, tmp: string): Promise<{ dir: string; cleanup: () => void }> {
  const checkout = join(tmp, `git-${randomBytes(6).toString('hex')}`);
  mkdirSync(checkout, { recursive: true, mode: 0o700 });
  const cleanup = () => rmSync(checkout, { recursive: true, force: true });
  try {
    await git(checkout, ['init', '-q']);
    await git(checkout, ['fetch', '-q', '--depth', '1', '--', source.url, source.ref ?? 'HEAD']);
    await git(checkout, ['-c', 'advice.detachedHead=false', 'checkout', '-q', 'FETCH_HEAD']);
    rmSync(join(checkout, '.git'), { recursive: true, force: true });
    return { dir: source.subdir ? inside(checkout, source.subdir, 'the git subdirectory') : checkout, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
