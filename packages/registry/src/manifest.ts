/**
 * Manifest formats the registry accepts, and their validation.
 *
 * Accepted: OCI image manifests and indexes, Docker schema2 manifests and manifest lists.
 * `parseManifest` checks structure only (JSON, schema version, media type, descriptors); the
 * server then checks that every referenced blob/manifest exists in the repository.
 */
import { createHash } from 'node:crypto';
import { RegistryError } from './errors.js';
import { tryParseDigest, type Digest } from './names.js';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

const IMAGE_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);

/** Largest manifest accepted, in bytes (distribution's and the spec's suggested limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
}

export interface ParsedManifest {
  /** The media type to store and serve it with. */
  mediaType: string;
  kind: 'image' | 'index';
  /** Blobs the manifest needs in the repository (config and distributable layers). */
  blobs: Descriptor[];
  /** Child manifests an index needs in the repository. */
  manifests: Descriptor[];
  subject?: Descriptor;
  /** The referrers API's artifactType: `artifactType`, else an image's config media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError('manifest-invalid', message, detail);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strips parameters from a Content-Type header value. */
export function baseMediaType(contentType: string | undefined): string | undefined {
  const base = contentType?.split(';')[0]?.trim().toLowerCase();
  return base ? base : undefined;
}

/** A layer that registries are not expected to hold (foreign/non-distributable). */
function isNonDistributable(mediaType: string): boolean {
  return mediaType.includes('nondistributable') || mediaType.includes('foreign');
}

function parseDescriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw invalid(`${where}: descriptor is not an object`);
  const { mediaType, digest, size, urls, data } = v;
  if (typeof mediaType !== 'string' || !mediaType) throw invalid(`${where}: descriptor has no mediaType`);
  if (typeof digest !== 'string') throw invalid(`${where}: descriptor has no digest`);
  const d = tryParseDigest(digest);
  if (!d) throw invalid(`${where}: descriptor digest is invalid or unsupported`, { digest });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}: descriptor size is invalid`, { size });
  if (urls !== undefined && (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string'))) throw invalid(`${where}: urls must be strings`);
  if (data !== undefined) {
    if (typeof data !== 'string') throw invalid(`${where}: data must be base64`);
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length !== size || createHash(d.algorithm).update(bytes).digest('hex') !== d.hex) {
      throw invalid(`${where}: embedded data does not match its digest and size`);
    }
  }
  return { mediaType, digest: d, size, ...(urls ? { urls: urls as string[] } : {}) };
}

function parseAnnotations(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalid('annotations must map strings to strings');
  return v as Record<string, string>;
}

/**
 * Parses and structurally validates a manifest body pushed with `contentType`.
 * Throws `manifest-invalid` for anything that is not one of the accepted formats.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw invalid('manifest is not a JSON object');
  if (doc.schemaVersion !== 2) throw invalid('unsupported manifest schemaVersion (only 2 is accepted)', { schemaVersion: doc.schemaVersion });

  const header = baseMediaType(contentType);
  const declared = doc.mediaType;
  if (declared !== undefined && typeof declared !== 'string') throw invalid('mediaType must be a string');
  const known = (t: string | undefined): t is string => t !== undefined && (IMAGE_TYPES.has(t) || INDEX_TYPES.has(t));
  if (declared && !known(declared)) throw invalid('unsupported manifest media type', { mediaType: declared });
  if (declared && known(header) && header !== declared) throw invalid('Content-Type does not match the manifest mediaType', { contentType: header, mediaType: declared });

  const mediaType = declared ?? (known(header) ? header : 'manifests' in doc ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest);
  const artifactType = doc.artifactType;
  if (artifactType !== undefined && typeof artifactType !== 'string') throw invalid('artifactType must be a string');
  const annotations = parseAnnotations(doc.annotations);
  const subject = doc.subject === undefined ? undefined : parseDescriptor(doc.subject, 'subject');

  if (IMAGE_TYPES.has(mediaType)) {
    if ('manifests' in doc) throw invalid('an image manifest has no manifests field');
    const config = parseDescriptor(doc.config, 'config');
    if (!Array.isArray(doc.layers)) throw invalid('layers must be an array');
    const layers = doc.layers.map((l, i) => parseDescriptor(l, `layers[${i}]`));
    return {
      mediaType,
      kind: 'image',
      blobs: [config, ...layers.filter((l) => !isNonDistributable(l.mediaType))],
      manifests: [],
      ...(subject ? { subject } : {}),
      artifactType: artifactType ?? config.mediaType,
      ...(annotations ? { annotations } : {}),
    };
  }
  if ('config' in doc || 'layers' in doc) throw invalid('an index has no config or layers');
  if (!Array.isArray(doc.manifests)) throw invalid('manifests must be an array');
  const manifests = doc.manifests.map((m, i) => parseDescriptor(m, `manifests[${i}]`));
  return {
    mediaType,
    kind: 'index',
    blobs: [],
    manifests,
    ...(subject ? { subject } : {}),
    ...(artifactType ? { artifactType } : {}),
    ...(annotations ? { annotations } : {}),
  };
}
