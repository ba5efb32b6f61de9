/**
 * Getting files onto a host: SFTP into a private staging directory of the login user,
 * then `install` with root's rights, renaming over the target so a running agent never
 * sees a half-written bundle. The staging directory is removed whatever happens.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { lastLine, type SshSession } from './connection.js';
import { HostError } from './errors.js';
import type { AgentPaths } from './layout.js';
import { quote } from './shell.js';

export async function withStaging<T>(s: SshSession, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = (await s.run('mktemp -d "${TMPDIR:-/tmp}/drydock-stage.XXXXXXXX"', 'creating a staging directory')).trim();
  try {
    return await work(dir);
  } finally {
    await s.exec(`rm -rf ${quote(dir)}`).catch(() => undefined);
  }
}

/** Installs `content` at `dest` (root-owned, `mode`), through the staging directory. */
export async function installContent(s: SshSession, staging: string, content: string, dest: string, mode: string): Promise<void> {
  const staged = `${staging}/file`;
  await s.write(staged, content);
  await s.run(`install -o root -g 0 -m ${mode} ${quote(staged)} ${quote(dest)}.new && mv -f ${quote(dest)}.new ${quote(dest)}`, `installing ${dest}`, { root: true, code: 'install-failed' });
}

/** Uploads the bundle, checks its sha256 on the host, and moves it to `dest` in the prefix. */
export async function installBundle(s: SshSession, staging: string, localPath: string, paths: AgentPaths, dest: string): Promise<{ sha256: string; bytes: number }> {
  const { sha256, bytes } = await localDigest(localPath);
  const staged = `${staging}/drydock.mjs`;
  await s.put(localPath, staged);
  const remote = (await s.run(`sha256sum ${quote(staged)}`, 'sha256sum')).trim().split(/\s+/)[0];
  if (remote !== sha256) throw new HostError('install-failed', `the bundle arrived damaged on ${s.where}: sha256 ${remote} instead of ${sha256}`);
  await s.run(`mkdir -p ${quote(paths.prefix)} && chmod 0755 ${quote(paths.prefix)}`, `creating ${paths.prefix}`, { root: true, code: 'install-failed' });
  await s.run(`install -o root -g 0 -m 0644 ${quote(staged)} ${quote(dest)}.new && mv -f ${quote(dest)}.new ${quote(dest)}`, 'installing the bundle', { root: true, code: 'install-failed' });
  return { sha256, bytes };
}

/** Runs `node BUNDLE --version` on the host; returns its first line. */
export async function bundleVersion(s: SshSession, node: string, bundle: string): Promise<string> {
  const r = await s.exec(`cd / && ${quote(node)} ${quote(bundle)} --version`, { root: true });
  const line = r.stdout.trim().split('\n')[0]?.trim() ?? '';
  if (r.code !== 0 || !line) throw new HostError('bundle-invalid', `the bundle does not run on ${s.where}: ${lastLine(r.stderr) || `exit status ${r.code}`}`);
  return line;
}

/** Fails before any connection when the local bundle is missing. */
export async function checkBundle(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (st.isFile()) return st.size;
  } catch {
    // reported below
  }
  throw new HostError('invalid-argument', `agent bundle ${path} is not a readable file`);
}

async function localDigest(path: string): Promise<{ sha256: string; bytes: number }> {
  const bytes = await checkBundle(path);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), bytes };
}
