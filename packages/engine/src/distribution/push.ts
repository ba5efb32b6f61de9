import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { DigestingStream, sha256, shortId, type Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { emit, type OperationContext } from '../events.js';
import { MediaType, type Descriptor, type Manifest } from '../image/media-types.js';
import { refInput } from '../image/ref-input.js';
import { familiarName, formatReference, name, parseNormalizedNamed, tagNameOnly, type Reference } from '../reference/index.js';
import type { LayerRecord } from '../store/image-store.js';
import { repositoryScope } from './auth.js';
import { RegistryClient, transientError, type RegistryOptions } from './client.js';
import type { DistributionDeps } from './deps.js';
import { mapLimit } from './pool.js';
import { registryHost } from './registry-host.js';
import { BlobUploader } from './upload.js';

export interface PushOptions extends RegistryOptions {
  /** Push every tag of the repository (`docker push -a`). */
  all?: boolean;
  /** Upload layers in PATCHes of this many bytes; by default one streamed PATCH per layer. */
  chunkSize?: number;
  /** Layers uploaded at once (Docker's max-concurrent-uploads is 5). */
  concurrency?: number;
}

export interface PushResult {
  /** The familiar name pushed, e.g. `127.0.0.1:5000/team/app:1`. */
  ref: string;
  tag: string;
  digest: Digest;
  size: number;
  /** What happened to each layer, bottom first. */
  layers: { diffId: Digest; digest: Digest; how: 'pushed' | 'exists' | 'mounted' }[];
}

/**
 * `docker push`: uploads an image as a Docker schema 2 manifest whose config
 * is the exact blob the store holds (so the image ID stays the config digest).
 * Layers are gzip-compressed once, while streaming to the registry, and the
 * compressed digest is remembered, so a later push to any repository can skip
 * a blob the registry has (HEAD) or mount it from a repository it was seen in.
 */
export async function pushImage(deps: DistributionDeps, ctx: OperationContext, refText: string, opts: PushOptions = {}): Promise<PushResult[]> {
  const named = parseNormalizedNamed(refText);
  if (named.digest) throw new DrydockError('invalid-reference', 'cannot push a digest reference');
  let targets: { ref: Reference; id: Digest }[];
  if (opts.all) {
    if (named.tag) throw new DrydockError('invalid-argument', 'tag can\'t be used with --all-tags/-a');
    const repo = name(named);
    targets = deps.images
      .allRefs()
      .filter((r) => r.repository === repo && r.tag !== null)
      .map((r) => ({ ref: { ...named, tag: r.tag! }, id: r.imageId }));
    if (targets.length === 0) throw new DrydockError('not-found', `An image does not exist locally with the tag: ${familiarName(named)}`);
  } else {
    const ref = tagNameOnly(named);
    const found = deps.images.ref(formatReference(ref));
    if (!found || !deps.images.get(found.imageId)) throw new DrydockError('not-found', `An image does not exist locally with the tag: ${familiarName(ref)}`);
    targets = [{ ref, id: found.imageId }];
  }
  const client = new RegistryClient(registryHost(named.domain, opts.insecureRegistries), opts);
  try {
    emit(ctx, { type: 'engine:registry:status', text: `The push refers to repository [${name(named)}]` });
    const results: PushResult[] = [];
    for (const t of targets) results.push(await pushOne(deps, ctx, client, t.ref, t.id, opts));
    return results;
  } finally {
    await client.close();
  }
}

async function pushOne(deps: DistributionDeps, ctx: OperationContext, client: RegistryClient, ref: Reference, id: Digest, opts: PushOptions): Promise<PushResult> {
  const repository = ref.path;
  const uploader = new BlobUploader(client, repository, [repositoryScope(repository, ['pull', 'push'])]);
  const layers = deps.images.layers(id);
  // Docker lists the top layer first.
  for (const l of [...layers].reverse()) emit(ctx, { type: 'engine:registry:layer', id: shortId(l.diffId), status: 'Preparing' });
  const pushed = await mapLimit(layers, opts.concurrency ?? 5, (layer) => pushLayer(deps, ctx, uploader, client.host.domain, layer, opts));

  const config = deps.content.read(id);
  if (!(await uploader.exists(id))) await uploader.putMonolithic(id, config);

  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, size: config.length, digest: id },
    layers: pushed.map((p) => p.descriptor),
  };
  // Go's json.MarshalIndent(m, "", "   "), as Docker writes schema 2 manifests.
  const bytes = Buffer.from(JSON.stringify(manifest, null, 3));
  const digest = sha256(bytes);
  const res = await client.request('PUT', `/v2/${repository}/manifests/${ref.tag}`, {
    scopes: [repositoryScope(repository, ['pull', 'push'])],
    headers: { 'content-type': MediaType.dockerManifest, 'content-length': String(bytes.length) },
    body: bytes,
    expect: [201],
  });
  await res.body.dump();
  const echoed = res.headers['docker-content-digest'];
  if (typeof echoed === 'string' && echoed !== digest) {
    throw new DrydockError('digest-mismatch', `${client.host.domain} stored the manifest as ${echoed}, expected ${digest}`);
  }
  // Docker records the pushed digest as a RepoDigest of the image.
  deps.images.tag(refInput({ domain: ref.domain, path: ref.path, digest }), id);
  emit(ctx, { type: 'engine:registry:status', text: `${ref.tag}: digest: ${digest} size: ${bytes.length}` });
  const familiar = `${familiarName(ref)}:${ref.tag}`;
  emit(ctx, { type: 'engine:image:pushed', ref: familiar, digest, size: bytes.length });
  return { ref: familiar, tag: ref.tag!, digest, size: bytes.length, layers: pushed.map((p, i) => ({ diffId: layers[i]!.diffId, digest: p.descriptor.digest as Digest, how: p.how })) };
}

async function pushLayer(
  deps: DistributionDeps,
  ctx: OperationContext,
  uploader: BlobUploader,
  registry: string,
  layer: LayerRecord,
  opts: PushOptions,
): Promise<{ descriptor: Descriptor; how: 'pushed' | 'exists' | 'mounted' }> {
  const id = shortId(layer.diffId);
  const repository = uploader.repository;
  const known = deps.blobs.forDiffId(layer.diffId).filter((b) => b.mediaType === MediaType.dockerLayerGzip || b.mediaType === MediaType.ociLayerGzip);
  for (const blob of known) {
    const descriptor = { mediaType: MediaType.dockerLayerGzip, size: blob.size, digest: blob.digest };
    if (await uploader.exists(blob.digest)) {
      deps.blobs.remember(undefined, { digest: blob.digest, registry, repository });
      emit(ctx, { type: 'engine:registry:layer', id, status: 'Layer already exists' });
      return { descriptor, how: 'exists' };
    }
    for (const from of deps.blobs.sources(blob.digest, registry, repository)) {
      if (await uploader.mount(blob.digest, from)) {
        deps.blobs.remember(undefined, { digest: blob.digest, registry, repository });
        emit(ctx, { type: 'engine:registry:layer', id, status: 'Mounted from', from });
        return { descriptor, how: 'mounted' };
      }
      deps.blobs.forgetSource(blob.digest, registry, from);
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const blob = await uploadCompressed(deps, ctx, uploader, layer, opts);
      deps.blobs.remember({ digest: blob.digest, diffId: layer.diffId, size: blob.size, mediaType: MediaType.dockerLayerGzip }, { digest: blob.digest, registry, repository });
      emit(ctx, { type: 'engine:registry:layer', id, status: 'Pushed' });
      return { descriptor: { mediaType: MediaType.dockerLayerGzip, size: blob.size, digest: blob.digest }, how: 'pushed' };
    } catch (err) {
      if (attempt >= 3 || !transientError(err)) throw err;
      emit(ctx, { type: 'engine:registry:layer', id, status: 'Retrying' });
    }
  }
}

/** Streams the stored layer through gzip to the registry, digesting the compressed bytes on the way. */
async function uploadCompressed(deps: DistributionDeps, ctx: OperationContext, uploader: BlobUploader, layer: LayerRecord, opts: PushOptions): Promise<{ digest: Digest; size: number }> {
  const id = shortId(layer.diffId);
  const source = deps.content.openRead(layer.diffId);
  const digester = new DigestingStream();
  let read = 0;
  let reported = 0;
  const progress = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      read += chunk.length;
      if (read - reported >= 4 << 20) {
        reported = read;
        emit(ctx, { type: 'engine:registry:layer', id, status: 'Pushing', current: read, total: layer.size });
      }
      cb(null, chunk);
    },
  });
  const gzip = createGzip({ level: 6, chunkSize: 1 << 20 });
  for (const s of [source, progress, gzip]) s.on('error', (err) => digester.destroy(err));
  source.pipe(progress).pipe(gzip).pipe(digester);
  let digest: Digest | undefined;
  const digestOf = () => (digest ??= digester.digest());
  try {
    await uploader.putStream(digester, digestOf, opts.chunkSize ? { chunkSize: opts.chunkSize } : {});
  } finally {
    source.destroy();
  }
  return { digest: digestOf(), size: digester.bytes };
}
