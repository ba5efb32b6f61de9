import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isDigest, type Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { emit, type OperationContext } from '../events.js';
import { parseConfig, type ImageConfig } from '../image/config.js';
import { refInput } from '../image/ref-input.js';
import { Annotation, isIndexMediaType, type Descriptor, type Index, type Manifest } from '../image/media-types.js';
import { parseTagTarget } from '../image/resolve.js';
import { decompress } from '../layers/decompress.js';
import { TarInspector } from '../layers/tar-inspector.js';
import { familiarString, type Reference } from '../reference/index.js';
import type { ContentStore, StagedBlob } from '../store/content-store.js';
import type { ImageStore, LayerInput } from '../store/image-store.js';
import { hostPlatform } from '../time.js';
import { StagedArchive, type StagedFile } from './staging.js';

export interface LoadedImage {
  id: Digest;
  /** Familiar names now pointing at the image; empty when it came without one. */
  tags: string[];
  /** Names that pointed at another image before, with that image's ID. */
  replaced: { tag: string; previous: Digest }[];
}

/** An image found in the archive, verified, waiting to be registered. */
interface PendingImage {
  config: ImageConfig;
  configBlob: StagedBlob;
  layerFiles: StagedFile[];
  refs: Reference[];
}

/**
 * `docker load`: reads Docker 20.10's archives (manifest.json), Docker 25+'s
 * (manifest.json over an OCI layout) and plain OCI image-layout archives
 * (index.json). Everything is verified before anything is stored — each blob
 * against its name or descriptor, each layer against the config's diff IDs,
 * each layer tar for hostile paths — so a bad archive leaves the store as it was.
 */
export async function loadImages(
  deps: { content: ContentStore; images: ImageStore; tmp: string },
  ctx: OperationContext,
  input: Readable,
): Promise<LoadedImage[]> {
  // As `docker load`, the archive itself may be compressed (`docker save | gzip`).
  const archive = await StagedArchive.extract((await decompress(input)).stream, deps.tmp);
  const staged: StagedBlob[] = [];
  try {
    const pending = archive.has('manifest.json') ? readDockerArchive(archive) : archive.has('index.json') ? readOciLayout(archive) : noManifest();
    const results: LoadedImage[] = [];
    const prepared: { image: PendingImage; layers: LayerInput[] }[] = [];
    for (const image of pending) {
      staged.push(image.configBlob);
      const layers: LayerInput[] = [];
      for (const [i, file] of image.layerFiles.entries()) {
        const expected = image.config.rootfs.diff_ids[i]!;
        const layer = await stageLayer(deps, archive, file, expected);
        if (layer.staged) staged.push(layer.staged);
        layers.push(layer);
      }
      prepared.push({ image, layers });
    }
    for (const { image, layers } of prepared) {
      const replaced = image.refs.flatMap((r) => {
        const before = deps.images.ref(refInput(r).name);
        return before && before.imageId !== image.configBlob.digest ? [{ tag: familiarString(r), previous: before.imageId }] : [];
      });
      const id = deps.images.register({ config: image.config, configBlob: image.configBlob, layers, refs: image.refs.map(refInput) });
      const tags = image.refs.map((r) => familiarString(r));
      results.push({ id, tags, replaced });
      emit(ctx, { type: 'engine:image:loaded', id, ...(tags[0] ? { ref: tags[0] } : {}) });
    }
    return results;
  } catch (err) {
    for (const s of staged) deps.content.discard(s);
    throw err;
  } finally {
    archive.dispose();
  }
}

/**
 * Verifies one layer file against the config's diff ID and inspects its tar.
 * An uncompressed layer is published by renaming the staged file; a compressed
 * one is decompressed into a new blob.
 */
async function stageLayer(deps: { content: ContentStore; images: ImageStore }, archive: StagedArchive, file: StagedFile, expected: Digest): Promise<LayerInput> {
  // A plain tar was inspected while the archive was staged; anything else is opened to learn its compression.
  const opened = file.tar.kind === 'not-tar' ? await decompress(archive.open(file)) : undefined;
  if (opened && opened.compression !== 'none') return ingestCompressed(deps, opened.stream, expected);
  if (file.digest !== expected) {
    opened?.stream.destroy();
    throw layerMismatch(expected, file.digest);
  }
  // Already stored (and inspected when it was): the store's record.
  const known = deps.images.storedLayer(expected);
  if (known) {
    opened?.stream.destroy();
    return { diffId: expected, size: file.size, unpackedSize: known.unpackedSize };
  }
  if (file.tar.kind === 'bad-tar') throw file.tar.error;
  let unpackedSize: number;
  if (file.tar.kind === 'tar') unpackedSize = file.tar.summary.unpackedSize;
  else {
    const inspector = new TarInspector();
    await pipeline(opened!.stream, inspector, sink());
    unpackedSize = inspector.summary.unpackedSize;
  }
  return { diffId: expected, size: file.size, unpackedSize, staged: { digest: file.digest, size: file.size, path: file.path } };
}

/** A compressed layer, decompressed into a new blob while its tar is inspected. */
async function ingestCompressed(deps: { content: ContentStore }, stream: Readable, expected: Digest): Promise<LayerInput> {
  const inspector = new TarInspector();
  const blob = await deps.content.ingest(stream, { transforms: [inspector] });
  if (blob.digest !== expected) {
    deps.content.discard(blob);
    throw layerMismatch(expected, blob.digest);
  }
  return { diffId: expected, size: blob.size, unpackedSize: inspector.summary.unpackedSize, staged: blob };
}

function layerMismatch(expected: Digest, actual: Digest): DrydockError {
  return new DrydockError('digest-mismatch', `layer digest mismatch: the image config expects ${expected}, the archive holds ${actual}`);
}

function sink(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

function noManifest(): never {
  throw new DrydockError('invalid-archive', 'invalid archive: no manifest.json or index.json (not a docker save or OCI layout archive)');
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function readDockerArchive(archive: StagedArchive): PendingImage[] {
  const entries = archive.json<DockerManifestEntry[]>('manifest.json', 'manifest');
  if (!Array.isArray(entries)) throw new DrydockError('invalid-archive', 'invalid archive: manifest.json is not a list');
  return entries.map((entry) => {
    if (typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers)) {
      throw new DrydockError('invalid-archive', 'invalid archive: a manifest.json entry lacks Config or Layers');
    }
    const configFile = requireFile(archive, entry.Config, 'config');
    checkNamedDigest(entry.Config, configFile);
    const layerFiles = entry.Layers.map((l) => {
      const f = requireFile(archive, l, 'layer');
      checkNamedDigest(l, f);
      return f;
    });
    const refs = (entry.RepoTags ?? []).map((t) => parseTagTarget(t));
    return pendingImage(archive, configFile, layerFiles, refs);
  });
}

function readOciLayout(archive: StagedArchive): PendingImage[] {
  const index = archive.json<Index>('index.json', 'index');
  if (!Array.isArray(index?.manifests)) throw new DrydockError('invalid-archive', 'invalid archive: index.json has no manifests');
  const out: PendingImage[] = [];
  for (const descriptor of index.manifests) {
    const manifest = resolveManifest(archive, descriptor);
    const configFile = blobFile(archive, manifest.config, 'config');
    const layerFiles = manifest.layers.map((l) => blobFile(archive, l, 'layer'));
    const name = descriptor.annotations?.[Annotation.imageName] ?? nameFromRefName(descriptor.annotations?.[Annotation.refName]);
    out.push(pendingImage(archive, configFile, layerFiles, name ? [parseTagTarget(name)] : []));
  }
  return out;
}

/** Follows nested indexes down to the manifest for this host's platform. */
function resolveManifest(archive: StagedArchive, descriptor: Descriptor, depth = 0): Manifest {
  if (depth > 4) throw new DrydockError('invalid-archive', 'invalid archive: indexes nested too deeply');
  const body = archive.json<Manifest & Index>(blobMember(descriptor), 'manifest');
  verifyDescriptor(archive, descriptor, 'manifest');
  if (isIndexMediaType(descriptor.mediaType) || isIndexMediaType(body.mediaType) || Array.isArray(body.manifests)) {
    const { os, architecture } = hostPlatform();
    const candidates = body.manifests ?? [];
    const match = candidates.find((m) => m.platform?.os === os && m.platform.architecture === architecture) ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (!match) throw new DrydockError('not-found', `invalid archive: no image for platform ${os}/${architecture}`);
    return resolveManifest(archive, match, depth + 1);
  }
  if (!body.config || !Array.isArray(body.layers)) throw new DrydockError('invalid-archive', 'invalid archive: manifest lacks config or layers');
  return body;
}

function pendingImage(archive: StagedArchive, configFile: StagedFile, layerFiles: StagedFile[], refs: Reference[]): PendingImage {
  const bytes = archive.contents(configFile);
  const config = parseConfig(bytes);
  if (config.rootfs.diff_ids.length !== layerFiles.length) {
    throw new DrydockError('invalid-archive', `invalid archive: the config lists ${config.rootfs.diff_ids.length} layers, the manifest ${layerFiles.length}`);
  }
  for (const d of config.rootfs.diff_ids) if (!isDigest(d)) throw new DrydockError('invalid-archive', `invalid archive: bad diff ID ${JSON.stringify(d)}`);
  return { config, configBlob: { digest: configFile.digest, size: configFile.size, path: configFile.path }, layerFiles, refs };
}

function requireFile(archive: StagedArchive, member: string, what: string): StagedFile {
  const f = typeof member === 'string' ? archive.file(member) : undefined;
  if (!f) throw new DrydockError('invalid-archive', `invalid archive: ${what} ${JSON.stringify(member)} is missing`);
  return f;
}

/** A member named by its digest (blobs/sha256/<hex>, <hex>.json) must hash to it. */
function checkNamedDigest(member: string, f: StagedFile): void {
  const m = /(?:^|\/)(sha256)\/([a-f0-9]{64})$/.exec(member) ?? /(?:^|\/)()([a-f0-9]{64})\.json$/.exec(member);
  if (m && f.digest !== `sha256:${m[2]}`) {
    throw new DrydockError('digest-mismatch', `invalid archive: ${member} does not match its digest (content is ${f.digest})`);
  }
}

function blobMember(d: Descriptor): string {
  if (typeof d?.digest !== 'string' || !isDigest(d.digest)) throw new DrydockError('invalid-archive', `invalid archive: bad descriptor digest ${JSON.stringify(d?.digest)}`);
  return `blobs/${d.digest.replace(':', '/')}`;
}

function blobFile(archive: StagedArchive, d: Descriptor, what: string): StagedFile {
  const f = requireFile(archive, blobMember(d), what);
  verifyDescriptor(archive, d, what);
  return f;
}

function verifyDescriptor(archive: StagedArchive, d: Descriptor, what: string): void {
  const f = requireFile(archive, blobMember(d), what);
  if (f.digest !== d.digest) throw new DrydockError('digest-mismatch', `invalid archive: ${what} ${d.digest} does not match its content (${f.digest})`);
  if (typeof d.size === 'number' && f.size !== d.size) throw new DrydockError('digest-mismatch', `invalid archive: ${what} ${d.digest} is ${f.size} bytes, the descriptor says ${d.size}`);
}

/** `org.opencontainers.image.ref.name` is often a bare tag; only a full name names an image. */
function nameFromRefName(refName: string | undefined): string | undefined {
  return refName && /[/:]/.test(refName) ? refName : undefined;
}
