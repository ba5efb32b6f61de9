import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { hexOf, sha256, type Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { emit, type OperationContext } from '../events.js';
import { Annotation, MediaType, type Descriptor, type Manifest } from '../image/media-types.js';
import { resolveImage } from '../image/resolve.js';
import { familiarString, formatReference, isNameOnly, name, parseNormalizedNamed, type Reference } from '../reference/index.js';
import type { ContentStore } from '../store/content-store.js';
import type { ImageStore } from '../store/image-store.js';

interface SaveEntry {
  id: Digest;
  refs: Reference[];
}

/**
 * `docker save`: one tar that every loader we care about reads — Docker
 * 20.10 (`manifest.json` + `repositories`), Docker 25+ and OCI tools
 * (`oci-layout`, `index.json`, `blobs/`), skopeo's `docker-archive:` and
 * `oci-archive:`. Layers are stored once, uncompressed, as `blobs/sha256/<diff id>`.
 */
export async function saveImages(
  deps: { content: ContentStore; images: ImageStore },
  ctx: OperationContext,
  names: string[],
  out: Writable,
): Promise<void> {
  if (names.length === 0) throw new DrydockError('invalid-argument', 'save needs at least one image');
  const entries = collect(deps.images, names);
  const pack = tar.pack();
  const done = pipeline(pack, out);
  const written = new Set<string>();
  let bytes = 0;

  const addFile = (path: string, data: Buffer) =>
    new Promise<void>((resolve, reject) => {
      pack.entry({ name: path, size: data.length, mode: 0o644, mtime: EPOCH }, data, (err) => (err ? reject(err) : resolve()));
      bytes += data.length;
    });
  const addBlob = async (digest: Digest) => {
    if (written.has(digest)) return;
    written.add(digest);
    const size = deps.content.size(digest);
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: blobPath(digest), size, mode: 0o644, mtime: EPOCH }, (err) => (err ? reject(err) : resolve()));
      pipeline(deps.content.openRead(digest), entry).catch(reject);
    });
    bytes += size;
  };

  try {
    pack.entry({ name: 'blobs/', type: 'directory', mode: 0o755, mtime: EPOCH });
    pack.entry({ name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime: EPOCH });
    const manifestJson: unknown[] = [];
    const indexManifests: Descriptor[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const { id, refs } of entries) {
      const layers = deps.images.layers(id);
      for (const layer of layers) await addBlob(layer.diffId);
      await addBlob(id);
      const manifest: Manifest = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: id, size: deps.content.size(id) },
        layers: layers.map((l) => ({ mediaType: MediaType.ociLayer, digest: l.diffId, size: l.size })),
      };
      const manifestBytes = Buffer.from(JSON.stringify(manifest));
      const manifestDigest = sha256(manifestBytes);
      if (!written.has(manifestDigest)) {
        written.add(manifestDigest);
        await addFile(blobPath(manifestDigest), manifestBytes);
      }
      const descriptor = { mediaType: MediaType.ociManifest, digest: manifestDigest, size: manifestBytes.length };
      const tagged = refs.filter((r) => r.tag !== undefined);
      if (tagged.length === 0) indexManifests.push(descriptor);
      for (const r of tagged) {
        indexManifests.push({ ...descriptor, annotations: { [Annotation.imageName]: formatReference(r), [Annotation.refName]: r.tag! } });
        const top = layers[layers.length - 1];
        if (top) (repositories[familiarName(r)] ??= {})[r.tag!] = hexOf(top.diffId);
      }
      manifestJson.push({
        Config: blobPath(id),
        RepoTags: tagged.length > 0 ? tagged.map((r) => familiarString(r)) : null,
        Layers: layers.map((l) => blobPath(l.diffId)),
      });
    }
    await addFile('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: indexManifests })));
    await addFile('manifest.json', Buffer.from(JSON.stringify(manifestJson)));
    await addFile('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    if (Object.keys(repositories).length > 0) await addFile('repositories', Buffer.from(JSON.stringify(repositories)));
    pack.finalize();
    await done;
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => {});
    throw err;
  }
  emit(ctx, { type: 'engine:image:saved', ids: entries.map((e) => e.id), bytes });
}

const EPOCH = new Date(0);

function blobPath(digest: Digest): string {
  return `blobs/${digest.replace(':', '/')}`;
}

function familiarName(r: Reference): string {
  return familiarString({ domain: r.domain, path: r.path });
}

/**
 * Which images and names to save (Docker's tarexport parseNames): a tag or
 * digest saves that image under that name; a bare repository name saves every
 * tag of it; an ID saves the image without names.
 */
function collect(images: ImageStore, names: string[]): SaveEntry[] {
  const byId = new Map<Digest, SaveEntry>();
  const add = (id: Digest, ref?: Reference) => {
    const entry = byId.get(id) ?? { id, refs: [] };
    byId.set(id, entry);
    if (ref && !entry.refs.some((r) => formatReference(r) === formatReference(ref))) entry.refs.push(ref);
  };
  for (const n of names) {
    let parsed: Reference | undefined;
    try {
      parsed = parseNormalizedNamed(n);
    } catch {
      parsed = undefined;
    }
    if (parsed && isNameOnly(parsed)) {
      const repo = name(parsed);
      const tagged = images.allRefs().filter((r) => r.repository === repo && r.tag !== null);
      if (tagged.length > 0) {
        for (const r of tagged) add(r.imageId, parseNormalizedNamed(r.name));
        continue;
      }
    }
    const { id, ref } = resolveImage(images, n);
    add(id, ref);
  }
  return [...byId.values()];
}

