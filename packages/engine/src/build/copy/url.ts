/**
 * ADD's remote sources: `http://` and `https://` URLs, fetched with Node's
 * `fetch` as BuildKit's HTTP source fetches them.
 *
 * - The file is named after the URL path's last component, or
 *   `__unnamed__` when there is none (BuildKit's dockerfile2llb).
 * - It is written 0600 (BuildKit's default for HTTP sources), its mtime the
 *   response's `Last-Modified`, or the Unix epoch without one.
 * - `--checksum=sha256:<hex>` is verified against the bytes received;
 *   a mismatch fails with `digest-mismatch`, and nothing is left behind.
 * - A remote archive is never extracted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { DrydockError } from '../../errors.js';

export interface UrlOptions {
  /** Verify the content against this digest (`sha256:<64 hex>`). */
  checksum?: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
}

export interface Downloaded {
  /** The temporary file holding the content (mode 0600), in the directory asked for. */
  tmpPath: string;
  digest: `sha256:${string}`;
  size: number;
  /** From `Last-Modified`; the epoch when absent or unparsable. */
  mtime: Date;
}

/** True for the sources ADD fetches over HTTP(S) (git URLs are not among them). */
export function isHttpSource(src: string): boolean {
  return /^https?:\/\//.test(src) && !isGitUrl(src);
}

/** BuildKit treats these as git repositories, which we do not fetch. */
export function isGitUrl(src: string): boolean {
  if (/^(git:\/\/|ssh:\/\/)/.test(src) || /^git@[^:/]+:/.test(src)) return true;
  if (!/^https?:\/\//.test(src)) return false;
  const path = src.replace(/[?#].*$/, '');
  return path.endsWith('.git');
}

/** The file name ADD gives a URL's content. */
export function urlFileName(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return '__unnamed__';
  }
  const parts = decodeURIComponent(path).split('/').filter((p) => p !== '' && p !== '.');
  const base = parts[parts.length - 1];
  return base === undefined || base === '..' ? '__unnamed__' : base;
}

/** Validates a `--checksum` value; returns the expected hex digest. */
export function parseChecksum(checksum: string): string {
  const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(checksum);
  if (!m) throw new DrydockError('invalid-argument', `invalid checksum digest format: ${JSON.stringify(checksum)}`);
  if (m[1] !== 'sha256') throw new DrydockError('unsupported', `unsupported checksum algorithm ${m[1]}: only sha256 is supported for HTTP sources`);
  if (!/^[a-f0-9]{64}$/.test(m[2]!)) throw new DrydockError('invalid-argument', `invalid checksum digest format: ${JSON.stringify(checksum)}`);
  return m[2]!;
}

/**
 * Downloads `url` into a new file in host directory `dir` and verifies it.
 * Fails with `not-found` for a 404/410 answer, `io` for other failures and
 * `digest-mismatch` for a wrong checksum.
 */
export async function download(url: string, dir: string, opts: UrlOptions = {}): Promise<Downloaded> {
  const expected = opts.checksum === undefined ? undefined : parseChecksum(opts.checksum);
  const doFetch = opts.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(url, { redirect: 'follow', ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    throw new DrydockError('io', `failed to fetch ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new DrydockError(res.status === 404 || res.status === 410 ? 'not-found' : 'io', `failed to load cache key: invalid response status ${res.status} for ${url}`);
  }
  const tmpPath = `${dir}/.drydock-add-${randomBytes(8).toString('hex')}`;
  const fd = openSync(tmpPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  const hash = createHash('sha256');
  let size = 0;
  try {
    try {
      fchmodSync(fd, 0o600);
      if (res.body) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          size += chunk.length;
          for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
        }
      }
    } finally {
      closeSync(fd);
    }
    const hex = hash.digest('hex');
    if (expected !== undefined && hex !== expected) {
      throw new DrydockError('digest-mismatch', `digest mismatch for ${url}: sha256:${hex} (expected: sha256:${expected})`);
    }
    const modified = res.headers.get('last-modified');
    const parsed = modified === null ? NaN : Date.parse(modified);
    return { tmpPath, digest: `sha256:${hex}`, size, mtime: new Date(Number.isNaN(parsed) ? 0 : parsed) };
  } catch (err) {
    try {
      unlinkSync(tmpPath);
    } catch {
      // already gone
    }
    if (err instanceof DrydockError) throw err;
    throw new DrydockError('io', `failed to download ${url}: ${(err as Error).message}`, { cause: err });
  }
}
