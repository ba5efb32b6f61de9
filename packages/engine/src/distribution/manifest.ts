import { isDigest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { MediaType, type Descriptor, type Index, type Manifest } from '../image/media-types.js';

/** Docker's limit on a manifest's size (distribution's maxManifestBodySize is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 << 20;

/** What a pull accepts, best first: Docker and OCI manifests and their lists. */
export const MANIFEST_ACCEPT = [MediaType.dockerManifest, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.ociIndex].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export type ParsedManifest = { kind: 'manifest'; mediaType: string; manifest: Manifest } | { kind: 'index'; mediaType: string; index: Index };

const LAYER_TYPES = new Set<string>([
  MediaType.dockerLayerGzip,
  MediaType.dockerLayer,
  MediaType.dockerForeignLayerGzip,
  MediaType.ociLayer,
  MediaType.ociLayerGzip,
  MediaType.ociLayerZstd,
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
]);

/** Parses and checks a manifest or index; `contentType` is the response's, used when the body names none. */
export function parseManifest(bytes: Buffer, contentType: string | undefined, what: string): ParsedManifest {
  let body: Omit<Partial<Manifest & Index>, 'schemaVersion'> & { schemaVersion?: unknown };
  try {
    body = JSON.parse(bytes.toString('utf8')) as typeof body;
  } catch {
    throw malformed(what, 'not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw malformed(what, 'not a JSON object');
  const mediaType = body.mediaType ?? contentType?.split(';')[0]?.trim() ?? '';
  if (body.schemaVersion === 1 || /schema1|prettyjws/.test(mediaType)) {
    throw new DrydockError('unsupported', `${what} is a Docker schema 1 manifest, which is no longer supported`);
  }
  if (body.schemaVersion !== 2) throw malformed(what, `schemaVersion ${JSON.stringify(body.schemaVersion)} is not 2`);
  if (Array.isArray(body.manifests) && body.config === undefined) {
    body.manifests.forEach((d, i) => checkDescriptor(d, `${what}: manifests[${i}]`));
    return { kind: 'index', mediaType: mediaType || MediaType.ociIndex, index: body as Index };
  }
  if (!body.config || !Array.isArray(body.layers)) throw malformed(what, 'it has neither config and layers nor manifests');
  checkDescriptor(body.config, `${what}: config`);
  body.layers.forEach((d, i) => {
    checkDescriptor(d, `${what}: layers[${i}]`);
    if (!LAYER_TYPES.has(d.mediaType)) throw new DrydockError('unsupported', `${what}: unsupported layer media type ${JSON.stringify(d.mediaType)}`);
  });
  return { kind: 'manifest', mediaType: mediaType || MediaType.ociManifest, manifest: body as Manifest };
}

function checkDescriptor(d: Descriptor | undefined, what: string): void {
  if (!d || typeof d !== 'object') throw malformed(what, 'not a descriptor');
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw malformed(what, `bad digest ${JSON.stringify(d.digest)}`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw malformed(what, `bad size ${JSON.stringify(d.size)}`);
  if (typeof d.mediaType !== 'string') throw malformed(what, 'no mediaType');
}

function malformed(what: string, why: string): DrydockError {
  return new DrydockError('registry', `malformed manifest: ${what}: ${why}`);
}

/** `os/arch[/variant]` as --platform takes it. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant, extra] = s.toLowerCase().split('/');
  if (!os || !architecture || extra !== undefined) throw new DrydockError('invalid-argument', `invalid platform ${JSON.stringify(s)}: expected os/arch[/variant]`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * The index entry for `want`, as containerd's platform matcher picks it: same
 * os and architecture, and the variant when one is asked for (arm64 means v8).
 */
export function selectPlatform(index: Index, want: Platform): Descriptor | undefined {
  const variant = (p: { architecture: string; variant?: string }) => p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined);
  const candidates = index.manifests.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  if (want.variant || want.architecture === 'arm64') return candidates.find((m) => variant(m.platform!) === variant(want)) ?? candidates[0];
  return candidates[0];
}
