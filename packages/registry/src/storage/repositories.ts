/**
 * Per-repository metadata, stored as small files under `<root>/repositories/<name>/`:
 *
 * ```
 * _layers/<alg>/<hex>                          empty: the repository holds this blob
 * _manifests/revisions/<alg>/<hex>             JSON ManifestLink: the repository holds this manifest
 * _manifests/tags/<tag>                        text: the digest the tag points at
 * _referrers/<alg>/<hex>/<alg>-<hex>.json      JSON descriptor of a manifest whose subject is <alg>:<hex>
 * ```
 *
 * Contracts:
 * - Repository names and tags are validated (names.ts) before they reach this class, so each
 *   is a safe relative path: components never start with `_` or `.`, which keeps them apart
 *   from the `_layers`/`_manifests`/`_referrers` folders and inside the root.
 * - Every file is written with temp file + rename, so a tag moves atomically and a reader
 *   never sees a torn link. Links are idempotent: writing one twice is harmless.
 * - A link says nothing about the blob file; callers check BlobStore as well.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tryParseDigest, type Digest } from '../names.js';
import { isNotFound, readFileIfExists, removeIfExists, statIfExists, writeFileAtomic } from './fsutil.js';

/** What a repository records about one of its manifests. */
export interface ManifestLink {
  /** The Content-Type to serve it with. */
  mediaType: string;
  /** Digest of the manifest's `subject`, when it has one (for the referrers index). */
  subject?: string;
}

/** An entry of the referrers API: the descriptor of a manifest that names a subject. */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export class RepositoryStore {
  constructor(readonly root: string) {}

  private dir(name: string): string {
    return join(this.root, 'repositories', name);
  }

  private layerPath(name: string, d: Digest): string {
    return join(this.dir(name), '_layers', d.algorithm, d.hex);
  }

  private revisionPath(name: string, d: Digest): string {
    return join(this.dir(name), '_manifests', 'revisions', d.algorithm, d.hex);
  }

  private tagPath(name: string, tag: string): string {
    return join(this.dir(name), '_manifests', 'tags', tag);
  }

  private referrersDir(name: string, subject: Digest): string {
    return join(this.dir(name), '_referrers', subject.algorithm, subject.hex);
  }

  /** True when the repository has ever held a blob or manifest (its folders exist). */
  async exists(name: string): Promise<boolean> {
    const dir = this.dir(name);
    return Boolean((await statIfExists(join(dir, '_manifests'))) ?? (await statIfExists(join(dir, '_layers'))));
  }

  // --- blobs ---------------------------------------------------------------------------

  async hasBlob(name: string, d: Digest): Promise<boolean> {
    return (await statIfExists(this.layerPath(name, d))) !== undefined;
  }

  /** Records that the repository holds blob `d` (idempotent). */
  async linkBlob(name: string, d: Digest): Promise<void> {
    const path = this.layerPath(name, d);
    if (await statIfExists(path)) return;
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, '');
  }

  /** Forgets blob `d` in this repository; false when it was not linked. */
  unlinkBlob(name: string, d: Digest): Promise<boolean> {
    return removeIfExists(this.layerPath(name, d));
  }

  /** Digests of every blob linked in the repository. */
  listBlobs(name: string): Promise<Digest[]> {
    return this.listDigests(join(this.dir(name), '_layers'));
  }

  // --- manifests -----------------------------------------------------------------------

  async getManifest(name: string, d: Digest): Promise<ManifestLink | undefined> {
    const raw = await readFileIfExists(this.revisionPath(name, d));
    if (raw === undefined) return undefined;
    return JSON.parse(raw.toString('utf8')) as ManifestLink;
  }

  async putManifest(name: string, d: Digest, link: ManifestLink): Promise<void> {
    await writeFileAtomic(this.root, this.revisionPath(name, d), JSON.stringify(link));
  }

  /** Removes the manifest link, every tag that points at it and its referrers entry. */
  async deleteManifest(name: string, d: Digest): Promise<{ existed: boolean; tags: string[] }> {
    const link = await this.getManifest(name, d);
    if (!link) return { existed: false, tags: [] };
    const tags: string[] = [];
    for (const tag of (await this.listTags(name)) ?? []) {
      if ((await this.readTag(name, tag))?.value === d.value) {
        await removeIfExists(this.tagPath(name, tag));
        tags.push(tag);
      }
    }
    const subject = link.subject ? tryParseDigest(link.subject) : undefined;
    if (subject) await removeIfExists(join(this.referrersDir(name, subject), `${d.algorithm}-${d.hex}.json`));
    await removeIfExists(this.revisionPath(name, d));
    return { existed: true, tags };
  }

  /** Digests of every manifest the repository holds. */
  listManifests(name: string): Promise<Digest[]> {
    return this.listDigests(join(this.dir(name), '_manifests', 'revisions'));
  }

  // --- tags ----------------------------------------------------------------------------

  async readTag(name: string, tag: string): Promise<Digest | undefined> {
    const raw = await readFileIfExists(this.tagPath(name, tag));
    return raw === undefined ? undefined : tryParseDigest(raw.toString('utf8').trim());
  }

  async writeTag(name: string, tag: string, d: Digest): Promise<void> {
    await writeFileAtomic(this.root, this.tagPath(name, tag), d.value);
  }

  deleteTag(name: string, tag: string): Promise<boolean> {
    return removeIfExists(this.tagPath(name, tag));
  }

  /** The repository's tags in lexical order, or undefined when the repository is unknown. */
  async listTags(name: string): Promise<string[] | undefined> {
    try {
      return (await readdir(join(this.dir(name), '_manifests', 'tags'))).filter((t) => !t.endsWith('.tmp')).sort(lexical);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return (await this.exists(name)) ? [] : undefined;
    }
  }

  // --- referrers -----------------------------------------------------------------------

  async addReferrer(name: string, subject: Digest, referrer: Digest, descriptor: ReferrerDescriptor): Promise<void> {
    const path = join(this.referrersDir(name, subject), `${referrer.algorithm}-${referrer.hex}.json`);
    await writeFileAtomic(this.root, path, JSON.stringify(descriptor));
  }

  /** Descriptors of the manifests in this repository whose subject is `subject`, by digest. */
  async listReferrers(name: string, subject: Digest): Promise<ReferrerDescriptor[]> {
    const dir = this.referrersDir(name, subject);
    let entries: string[];
    try {
      entries = (await readdir(dir)).filter((e) => e.endsWith('.json')).sort(lexical);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const out: ReferrerDescriptor[] = [];
    for (const entry of entries) {
      const raw = await readFileIfExists(join(dir, entry));
      if (!raw) continue;
      const descriptor = JSON.parse(raw.toString('utf8')) as ReferrerDescriptor;
      const d = tryParseDigest(descriptor.digest);
      if (d && (await this.getManifest(name, d))) out.push(descriptor);
    }
    return out;
  }

  // --- catalog -------------------------------------------------------------------------

  /** Every repository name in lexical order. */
  async listRepositories(): Promise<string[]> {
    const names: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (prefix && entries.some((e) => e.isDirectory() && (e.name === '_manifests' || e.name === '_layers'))) names.push(prefix);
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith('_')) await walk(join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name);
      }
    };
    await walk(join(this.root, 'repositories'), '');
    return names.sort(lexical);
  }

  /** Removes a repository's folders once it holds nothing (garbage collection). */
  async removeIfEmpty(name: string): Promise<boolean> {
    if ((await this.listManifests(name)).length || (await this.listBlobs(name)).length) return false;
    if (((await this.listTags(name)) ?? []).length) return false;
    for (const sub of ['_manifests', '_layers', '_referrers']) await rm(join(this.dir(name), sub), { recursive: true, force: true });
    return true;
  }

  private async listDigests(base: string): Promise<Digest[]> {
    const out: Digest[] = [];
    for (const algorithm of ['sha256', 'sha512']) {
      let entries: string[];
      try {
        entries = await readdir(join(base, algorithm));
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const hex of entries) {
        const d = tryParseDigest(`${algorithm}:${hex}`);
        if (d) out.push(d);
      }
    }
    return out;
  }
}

/** Byte-wise lexical order (the spec's order for tags and repositories). */
export function lexical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
