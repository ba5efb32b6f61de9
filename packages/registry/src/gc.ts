/**
 * Offline garbage collection (`drydock registry gc`): mark every blob that a manifest of any
 * repository references, sweep the rest.
 *
 * Contracts:
 * - Run it with the server stopped or idle, as with distribution's `garbage-collect`: a push in
 *   flight (blobs uploaded, manifest not yet put) is protected only by the grace period —
 *   blobs, links and temp files younger than `gracePeriodMs` are never removed.
 * - Marking: each repository's manifests (and, when a manifest is an index, its children),
 *   their configs and layers. With `removeUntagged`, manifests that no tag reaches (directly,
 *   through an index, or as a referrer of a reached manifest) are deleted first.
 * - Sweeping: repository blob links to unmarked blobs, then blob files nobody marked, then
 *   abandoned uploads older than `uploadMaxAgeMs`. `dryRun` reports without removing.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseManifest } from './manifest.js';
import { tryParseDigest, type Digest } from './names.js';
import { BlobStore } from './storage/blobs.js';
import { isNotFound, statIfExists } from './storage/fsutil.js';
import { RepositoryStore } from './storage/repositories.js';
import { UploadStore } from './storage/uploads.js';

export interface GarbageCollectOptions {
  /** Report what would go, remove nothing. */
  dryRun?: boolean;
  /** Also delete manifests no tag reaches (default false). */
  removeUntagged?: boolean;
  /** Never remove anything written more recently than this (default one hour). */
  gracePeriodMs?: number;
  /** Remove uploads untouched for this long (default 24 hours). */
  uploadMaxAgeMs?: number;
  /** The clock, for tests. */
  now?: number;
}

export interface GarbageCollectResult {
  repositories: number;
  manifestsRemoved: string[];
  blobsRemoved: string[];
  bytesFreed: number;
  linksRemoved: number;
  uploadsRemoved: number;
}

/** Collects garbage under a registry root; see the module contract. */
export async function garbageCollect(root: string, options: GarbageCollectOptions = {}): Promise<GarbageCollectResult> {
  root = resolve(root);
  const now = options.now ?? Date.now();
  const cutoff = now - (options.gracePeriodMs ?? 60 * 60 * 1000);
  const dry = options.dryRun ?? false;
  const blobs = new BlobStore(root);
  const repos = new RepositoryStore(root);
  const uploads = new UploadStore(root, blobs);
  const result: GarbageCollectResult = { repositories: 0, manifestsRemoved: [], blobsRemoved: [], bytesFreed: 0, linksRemoved: 0, uploadsRemoved: 0 };

  const parsed = async (d: Digest, mediaType: string) => {
    const body = await blobs.readBuffer(d);
    if (!body) return undefined;
    try {
      return parseManifest(body, mediaType);
    } catch {
      return undefined;
    }
  };

  const marked = new Set<string>();
  const names = await repos.listRepositories();
  result.repositories = names.length;
  for (const name of names) {
    let manifests = await repos.listManifests(name);
    if (options.removeUntagged) manifests = await removeUntagged(name, manifests);
    for (const d of manifests) {
      marked.add(d.value);
      const link = await repos.getManifest(name, d);
      const m = link && (await parsed(d, link.mediaType));
      for (const ref of [...(m?.blobs ?? []), ...(m?.manifests ?? [])]) marked.add(ref.digest.value);
    }
  }

  async function removeUntagged(name: string, manifests: Digest[]): Promise<Digest[]> {
    const byValue = new Map(manifests.map((d) => [d.value, d]));
    const info = new Map<string, { children: string[]; subject?: string }>();
    for (const d of manifests) {
      const link = await repos.getManifest(name, d);
      const m = link && (await parsed(d, link.mediaType));
      info.set(d.value, { children: m?.manifests.map((c) => c.digest.value) ?? [], ...(link?.subject ? { subject: link.subject } : {}) });
    }
    const reached = new Set<string>();
    const queue: string[] = [];
    for (const tag of (await repos.listTags(name)) ?? []) {
      const d = await repos.readTag(name, tag);
      if (d) queue.push(d.value);
    }
    for (let changed = true; changed; ) {
      while (queue.length) {
        const v = queue.pop()!;
        if (reached.has(v) || !byValue.has(v)) continue;
        reached.add(v);
        queue.push(...(info.get(v)?.children ?? []));
      }
      changed = false;
      for (const [v, i] of info) {
        if (!reached.has(v) && i.subject && reached.has(i.subject)) {
          queue.push(v);
          changed = true;
        }
      }
    }
    const keep: Digest[] = [];
    for (const d of manifests) {
      const s = await statIfExists(blobs.path(d));
      if (reached.has(d.value) || (s && s.mtimeMs > cutoff)) {
        keep.push(d);
        continue;
      }
      result.manifestsRemoved.push(`${name}@${d.value}`);
      if (!dry) await repos.deleteManifest(name, d);
    }
    return keep;
  }

  // Links to blobs that no manifest references go (unless recent: a push may be under way).
  for (const name of names) {
    for (const d of await repos.listBlobs(name)) {
      if (marked.has(d.value)) continue;
      const s = await statIfExists(join(root, 'repositories', name, '_layers', d.algorithm, d.hex));
      if (s && s.mtimeMs > cutoff) {
        marked.add(d.value);
        continue;
      }
      result.linksRemoved++;
      if (!dry) await repos.unlinkBlob(name, d);
    }
    if (!dry) await repos.removeIfEmpty(name);
  }

  for (const algorithm of ['sha256', 'sha512']) {
    let entries: string[];
    try {
      entries = await readdir(join(root, 'blobs', algorithm));
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    for (const hex of entries) {
      const d = tryParseDigest(`${algorithm}:${hex}`);
      if (!d || marked.has(d.value)) continue;
      const s = await statIfExists(blobs.path(d));
      if (!s || s.mtimeMs > cutoff) continue;
      result.blobsRemoved.push(d.value);
      result.bytesFreed += s.size;
      if (!dry) await blobs.remove(d);
    }
  }

  if (!dry) {
    result.uploadsRemoved = await uploads.purge(now - (options.uploadMaxAgeMs ?? 24 * 60 * 60 * 1000));
    await removeOld(join(root, 'tmp'), cutoff);
  }
  return result;
}

/** Removes files in `dir` last modified before `cutoff`. */
async function removeOld(dir: string, cutoff: number): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const s = await stat(join(dir, e)).catch(() => undefined);
    if (s && s.mtimeMs < cutoff) await rm(join(dir, e), { recursive: true, force: true });
  }
}
