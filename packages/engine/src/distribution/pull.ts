import { readFile } from 'node:fs/promises';
import { algorithmOf, DigestingStream, isDigest, sha256, shortId, type Digest } from '../digest.js';
import { DrydockError, isDrydockError } from '../errors.js';
import { emit, type OperationContext } from '../events.js';
import { parseConfig } from '../image/config.js';
import type { Descriptor } from '../image/media-types.js';
import { refInput } from '../image/ref-input.js';
import { decompress } from '../layers/decompress.js';
import { TarInspector } from '../layers/tar-inspector.js';
import { familiarName, familiarString, familiarize, formatReference, parseDockerRef, parseNormalizedNamed, type Reference } from '../reference/index.js';
import type { StagedBlob } from '../store/content-store.js';
import type { LayerInput } from '../store/image-store.js';
import { hostPlatform } from '../time.js';
import { repositoryScope } from './auth.js';
import { RegistryClient, transientError, type RegistryOptions, type Response } from './client.js';
import type { DistributionDeps } from './deps.js';
import { formatPlatform, platformMatches, platformOf, type Platform } from '../image/platform.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, parseManifest, selectPlatform } from './manifest.js';
import { mapLimit } from './pool.js';
import { byteProgress } from './progress.js';
import { registryHost } from './registry-host.js';

export interface PullOptions extends RegistryOptions {
  /** Pull every tag of the repository (`docker pull -a`). */
  all?: boolean;
  /** The platform to pick from a manifest list; this host's by default. */
  platform?: Platform;
  /** Layers downloaded at once (Docker's max-concurrent-downloads is 3). */
  concurrency?: number;
}

export interface PullResult {
  /** The full name pulled, as Docker prints it last: `docker.io/library/debian:12`. */
  ref: string;
  id: Digest;
  /** The manifest (or manifest list) digest: the RepoDigest recorded. */
  digest: Digest;
  /** False when the name already pointed at this image (`Image is up to date`). */
  updated: boolean;
}

const MAX_CONFIG_BYTES = 8 << 20;

/**
 * `docker pull`: negotiates a Docker schema 2 or OCI manifest (through a
 * manifest list or index for the wanted platform), downloads the layers the
 * store lacks in parallel — each streamed through its digest check and the
 * decompressor (gzip, zstd or none) into the store by diff ID — and registers
 * the image in one transaction with its tag and its RepoDigest. A failure
 * anywhere stores and tags nothing.
 */
export async function pullImage(deps: DistributionDeps, ctx: OperationContext, refText: string, opts: PullOptions = {}): Promise<PullResult[]> {
  const named = parseNormalizedNamed(refText);
  const client = new RegistryClient(registryHost(named.domain, opts.insecureRegistries), opts);
  try {
    let targets: Reference[];
    if (opts.all) {
      if (named.tag || named.digest) throw new DrydockError('invalid-argument', 'tag can\'t be used with --all-tags/-a');
      targets = (await listTags(client, named.path)).map((tag) => ({ domain: named.domain, path: named.path, tag }));
    } else {
      targets = [parseDockerRef(refText)];
    }
    const results: PullResult[] = [];
    for (const ref of targets) results.push(await pullOne(deps, ctx, client, ref, opts));
    return results;
  } finally {
    await client.close();
  }
}

async function pullOne(deps: DistributionDeps, ctx: OperationContext, client: RegistryClient, ref: Reference, opts: PullOptions): Promise<PullResult> {
  const repository = ref.path;
  const scopes = [repositoryScope(repository, ['pull'])];
  const wanted = ref.digest ?? ref.tag!;
  emit(ctx, { type: 'engine:registry:status', text: `${wanted}: Pulling from ${familiarize(ref).path}` });

  const top = await fetchManifest(client, repository, wanted, scopes, familiarString(ref));
  if (ref.digest && top.digest !== ref.digest) throw new DrydockError('digest-mismatch', `manifest verification failed for digest ${ref.digest}`);
  let parsed = parseManifest(top.bytes, top.contentType, `${familiarString(ref)}`);
  if (parsed.kind === 'index') {
    const platform = opts.platform ?? hostPlatform();
    const entry = selectPlatform(parsed.index, platform);
    if (!entry) throw new DrydockError('not-found', `no matching manifest for ${formatPlatform(platform)} in the manifest list entries`);
    const inner = await fetchManifest(client, repository, entry.digest, scopes, `${familiarName(ref)}@${entry.digest}`);
    if (inner.digest !== entry.digest) throw new DrydockError('digest-mismatch', `manifest verification failed for digest ${entry.digest}`);
    parsed = parseManifest(inner.bytes, inner.contentType, `${familiarString(ref)} (${formatPlatform(platform)})`);
    if (parsed.kind !== 'manifest') throw new DrydockError('registry', `malformed manifest: ${familiarString(ref)}: an index inside an index`);
  }
  const manifest = parsed.manifest;

  const configBlob = await fetchConfig(deps, client, repository, manifest.config, scopes);
  const config = parseConfig(await readStaged(configBlob));
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    deps.content.discard(configBlob);
    throw new DrydockError('registry', `malformed manifest: ${familiarString(ref)}: ${manifest.layers.length} layers for ${diffIds.length} diff IDs in the config`);
  }
  const actual = platformOf(config);
  if (opts.platform && !platformMatches(opts.platform, actual)) {
    deps.content.discard(configBlob);
    throw new DrydockError(
      'not-found',
      `image with reference ${familiarString(ref)} was found but does not match the specified platform: wanted ${formatPlatform(opts.platform)}, actual: ${formatPlatform(actual)}`,
    );
  }

  const staged: StagedBlob[] = [configBlob];
  let layers: LayerInput[];
  try {
    for (const [i, d] of manifest.layers.entries()) {
      const present = isDigest(diffIds[i] ?? '') && deps.images.hasLayer(diffIds[i] as Digest);
      emit(ctx, { type: 'engine:registry:layer', id: shortId(d.digest), status: present ? 'Already exists' : 'Pulling fs layer' });
    }
    layers = await mapLimit(manifest.layers, opts.concurrency ?? 3, async (desc, i) => {
      const diffId = diffIds[i]!;
      if (!isDigest(diffId)) throw new DrydockError('registry', `malformed image config: bad diff ID ${JSON.stringify(diffId)}`);
      const record = deps.images.storedLayer(diffId);
      if (record) {
        return { diffId, size: record.size, unpackedSize: record.unpackedSize };
      }
      const layer = await downloadLayer({ deps, ctx, client, repository, desc, diffId, scopes });
      staged.push(layer.staged!);
      return layer;
    });
  } catch (err) {
    for (const s of staged) deps.content.discard(s);
    throw err;
  }

  const digestRef = { domain: ref.domain, path: ref.path, digest: top.digest };
  const refs = [...(ref.tag ? [refInput(ref)] : []), refInput(digestRef)];
  const previous = deps.images.ref(formatReference(ref))?.imageId;
  const id = deps.images.register({ config, configBlob, layers, refs });
  for (const [i, desc] of manifest.layers.entries()) {
    deps.blobs.remember({ digest: desc.digest as Digest, diffId: diffIds[i] as Digest, size: desc.size, mediaType: desc.mediaType }, { digest: desc.digest as Digest, registry: ref.domain, repository });
  }
  const updated = previous !== id;
  const label = ref.tag ? `${familiarName(ref)}:${ref.tag}` : `${familiarName(ref)}@${top.digest}`;
  emit(ctx, { type: 'engine:registry:status', text: `Digest: ${top.digest}` });
  emit(ctx, { type: 'engine:registry:status', text: updated ? `Status: Downloaded newer image for ${label}` : `Status: Image is up to date for ${label}` });
  emit(ctx, { type: 'engine:image:pulled', ref: formatReference(ref), id, digest: top.digest, updated });
  return { ref: formatReference(ref), id, digest: top.digest, updated };
}

async function fetchManifest(client: RegistryClient, repository: string, reference: string, scopes: string[], label: string): Promise<{ bytes: Buffer; digest: Digest; contentType: string | undefined }> {
  const res = await client.request('GET', `/v2/${repository}/manifests/${reference}`, { scopes, headers: { accept: MANIFEST_ACCEPT }, expect: [200] });
  const length = Number(res.headers['content-length']);
  if (length > MAX_MANIFEST_BYTES) {
    await res.body.dump().catch(() => {});
    throw tooLarge(label);
  }
  const bytes = await readLimited(res, MAX_MANIFEST_BYTES, () => tooLarge(label));
  const contentType = res.headers['content-type'];
  return { bytes, digest: sha256(bytes), contentType: typeof contentType === 'string' ? contentType : undefined };
}

function tooLarge(label: string): DrydockError {
  return new DrydockError('registry', `manifest for ${label} is larger than ${MAX_MANIFEST_BYTES} bytes`);
}

async function readLimited(res: Response, limit: number, error: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) {
      res.body.destroy();
      throw error();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function fetchConfig(deps: DistributionDeps, client: RegistryClient, repository: string, desc: Descriptor, scopes: string[]): Promise<StagedBlob> {
  if (desc.size > MAX_CONFIG_BYTES) throw new DrydockError('registry', `image config ${desc.digest} is ${desc.size} bytes, more than ${MAX_CONFIG_BYTES}`);
  const res = await client.request('GET', `/v2/${repository}/blobs/${desc.digest}`, { scopes, expect: [200] });
  const bytes = await readLimited(res, MAX_CONFIG_BYTES, () => new DrydockError('registry', `image config ${desc.digest} is too large`));
  try {
    return deps.content.stageBytes(bytes, desc.digest as Digest);
  } catch (err) {
    if (isDrydockError(err, 'digest-mismatch')) throw new DrydockError('digest-mismatch', `image config verification failed for digest ${desc.digest}`);
    throw err;
  }
}

/** One layer to fetch: where from, what it must digest to, and who reports progress. */
interface LayerFetch {
  deps: DistributionDeps;
  ctx: OperationContext;
  client: RegistryClient;
  repository: string;
  desc: Descriptor;
  diffId: Digest;
  scopes: string[];
}

/** A layer into the store by diff ID (see downloadOnce); a download cut off by the network starts again. */
async function downloadLayer(job: LayerFetch): Promise<LayerInput> {
  const { ctx, desc } = job;
  const id = shortId(desc.digest);
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(job);
    } catch (err) {
      if (attempt >= 3 || isDrydockError(err, 'digest-mismatch') || !transientError(err)) throw err;
      emit(ctx, { type: 'engine:registry:layer', id, status: 'Retrying' });
    }
  }
}

/**
 * Downloads a layer and stores it by diff ID in one pass: the response is
 * digested as it streams into the decompressor and the store, and nothing is
 * published before both digests check out — the blob's against the manifest
 * (read to the end even when decompression fails first, so a corrupt blob is
 * reported as such) and the tar's against the config's diff ID.
 */
async function downloadOnce({ deps, ctx, client, repository, desc, diffId, scopes }: LayerFetch): Promise<LayerInput> {
  const id = shortId(desc.digest);
  const res = await client.request('GET', `/v2/${repository}/blobs/${desc.digest}`, { scopes, expect: [200] });
  emit(ctx, { type: 'engine:registry:layer', id, status: 'Downloading', current: 0, total: desc.size });
  const progress = byteProgress((bytes) => emit(ctx, { type: 'engine:registry:layer', id, status: 'Downloading', current: bytes, total: desc.size }));
  const verifier = new DigestingStream(algorithmOf(desc.digest as Digest));
  res.body.on('error', (err) => progress.destroy(err));
  progress.on('error', (err) => verifier.destroy(err));
  res.body.pipe(progress).pipe(verifier);
  const blobVerified = async () => {
    if (!verifier.readableEnded) {
      verifier.resume();
      await new Promise<void>((resolve, reject) => {
        verifier.once('end', resolve);
        verifier.once('error', reject);
      });
    }
    if (verifier.digest() !== desc.digest || verifier.bytes !== desc.size) {
      throw new DrydockError('digest-mismatch', `filesystem layer verification failed for digest ${desc.digest}`);
    }
    emit(ctx, { type: 'engine:registry:layer', id, status: 'Verifying Checksum' });
    emit(ctx, { type: 'engine:registry:layer', id, status: 'Download complete' });
  };
  let blob: StagedBlob;
  const inspector = new TarInspector();
  try {
    const { stream } = await decompress(verifier);
    blob = await deps.content.ingest(stream, { transforms: [inspector] });
  } catch (err) {
    // A network failure is what it is; anything else may be the blob's fault: read the rest and check.
    if (!transientError(err) && (verifier.readableEnded || !verifier.destroyed)) await blobVerified();
    throw err;
  }
  try {
    await blobVerified();
  } catch (err) {
    deps.content.discard(blob);
    throw err;
  }
  if (blob.digest !== diffId) {
    deps.content.discard(blob);
    throw new DrydockError('digest-mismatch', `layer ${desc.digest} unpacks to ${blob.digest}, the image config expects ${diffId}`);
  }
  emit(ctx, { type: 'engine:registry:layer', id, status: 'Pull complete' });
  return { diffId, size: blob.size, unpackedSize: inspector.summary.unpackedSize, staged: blob };
}

async function readStaged(blob: StagedBlob): Promise<Buffer> {
  return readFile(blob.path);
}

/** GET /v2/<name>/tags/list, following `Link` pagination. */
async function listTags(client: RegistryClient, repository: string): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repository}/tags/list`;
  while (path) {
    const res: Response = await client.request('GET', path, { scopes: [repositoryScope(repository, ['pull'])], expect: [200] });
    const body = (await res.body.json().catch(() => undefined)) as { tags?: unknown } | undefined;
    if (!Array.isArray(body?.tags)) throw new DrydockError('registry', `malformed tag list for ${repository}`);
    tags.push(...body.tags.filter((t): t is string => typeof t === 'string'));
    const link = res.headers.link;
    const next = typeof link === 'string' ? /<([^>]+)>;\s*rel="?next"?/.exec(link)?.[1] : undefined;
    path = next;
  }
  if (tags.length === 0) throw new DrydockError('not-found', `repository ${repository} has no tags`);
  return tags.sort();
}

