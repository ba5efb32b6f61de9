/**
 * Manifest endpoints: `HEAD|GET|PUT|DELETE /v2/<name>/manifests/<reference>`, where the
 * reference is a tag or a digest.
 *
 * PUT contracts: the body is at most MAX_MANIFEST_BYTES (else 413 MANIFEST_INVALID); it must
 * parse as an accepted format; when pushed by digest it must hash to that digest (sha256 or
 * sha512, else DIGEST_INVALID); every blob and child manifest it references must already be in
 * the repository (else MANIFEST_BLOB_UNKNOWN). A `subject` is recorded for the referrers API
 * whether or not the subject exists, and echoed in `OCI-Subject`.
 */
import { createHash } from 'node:crypto';
import type { RequestContext } from '../context.js';
import { RegistryError } from '../errors.js';
import { readBody, send } from '../http.js';
import { MAX_MANIFEST_BYTES, parseManifest, type ParsedManifest } from '../manifest.js';
import { isValidTag, parseReference, parseTag, type Digest } from '../names.js';

function manifestUnknown(reference: string): RegistryError {
  return new RegistryError('manifest-unknown', 'manifest unknown to registry', { reference });
}

/**
 * The digest a reference names in this repository, or undefined. A malformed tag names
 * nothing (404, as the conformance suite expects); a malformed digest is DIGEST_INVALID.
 */
async function resolve(ctx: RequestContext, reference: string): Promise<Digest | undefined> {
  if (!reference.includes(':') && !isValidTag(reference)) return undefined;
  const ref = parseReference(reference);
  return ref.kind === 'digest' ? ref.digest : ctx.registry.repos.readTag(ctx.name, ref.tag);
}

/** `HEAD` and `GET`: the stored bytes, with the media type they were pushed as. */
export async function getManifest(ctx: RequestContext, reference: string): Promise<void> {
  const d = await resolve(ctx, reference);
  const link = d && (await ctx.registry.repos.getManifest(ctx.name, d));
  const body = link && d && (await ctx.registry.blobs.readBuffer(d));
  if (!d || !link || !body) throw manifestUnknown(reference);
  const head = ctx.req.method === 'HEAD';
  send(ctx.res, 200, { 'Content-Type': link.mediaType, 'Docker-Content-Digest': d.value, ETag: `"${d.value}"` }, body, head);
  if (!head) {
    ctx.registry.emit({ type: 'registry:pull', repository: ctx.name, reference, digest: d.value, target: 'manifest', mediaType: link.mediaType }, ctx.user);
  }
}

/** Throws MANIFEST_BLOB_UNKNOWN for the first reference the repository lacks. */
async function checkReferences(ctx: RequestContext, manifest: ParsedManifest): Promise<void> {
  const { repos, blobs } = ctx.registry;
  for (const b of manifest.blobs) {
    if (!(await repos.hasBlob(ctx.name, b.digest)) || (await blobs.size(b.digest)) === undefined) {
      throw new RegistryError('manifest-blob-unknown', 'blob unknown to registry', { digest: b.digest.value });
    }
  }
  for (const m of manifest.manifests) {
    if (!(await repos.getManifest(ctx.name, m.digest))) {
      throw new RegistryError('manifest-blob-unknown', 'manifest unknown to registry', { digest: m.digest.value });
    }
  }
}

/** `PUT`: validates, stores by digest, moves the tag(s), records the subject relation (201). */
export async function putManifest(ctx: RequestContext, reference: string): Promise<void> {
  const ref = parseReference(reference);
  const extraTags = ctx.url.searchParams.getAll('tag').map(parseTag);
  const body = await readBody(ctx.req, MAX_MANIFEST_BYTES, () => new RegistryError('manifest-too-large', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`, { limit: MAX_MANIFEST_BYTES }));
  const manifest = parseManifest(body, ctx.req.headers['content-type']);

  const algorithm = ref.kind === 'digest' ? ref.digest.algorithm : 'sha256';
  const hex = createHash(algorithm).update(body).digest('hex');
  if (ref.kind === 'digest' && ref.digest.hex !== hex) {
    throw new RegistryError('digest-invalid', 'manifest digest did not match the reference', { expected: ref.digest.value, actual: `${algorithm}:${hex}` });
  }
  const d: Digest = { algorithm, hex, value: `${algorithm}:${hex}` };
  await checkReferences(ctx, manifest);

  const { repos, blobs } = ctx.registry;
  await blobs.putBuffer(d, body);
  await repos.putManifest(ctx.name, d, { mediaType: manifest.mediaType, ...(manifest.subject ? { subject: manifest.subject.digest.value } : {}) });
  const tags = [...(ref.kind === 'tag' ? [ref.tag] : []), ...extraTags];
  for (const tag of tags) await repos.writeTag(ctx.name, tag, d);
  if (manifest.subject) {
    await repos.addReferrer(ctx.name, manifest.subject.digest, d, {
      mediaType: manifest.mediaType,
      digest: d.value,
      size: body.length,
      ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
      ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
    });
  }

  const headers: Record<string, string | string[]> = { Location: `/v2/${ctx.name}/manifests/${d.value}`, 'Docker-Content-Digest': d.value };
  if (manifest.subject) headers['OCI-Subject'] = manifest.subject.digest.value;
  if (extraTags.length) headers['OCI-Tag'] = extraTags;
  send(ctx.res, 201, headers);
  for (const r of tags.length ? tags : [d.value]) {
    ctx.registry.emit({ type: 'registry:push', repository: ctx.name, reference: r, digest: d.value, target: 'manifest', mediaType: manifest.mediaType }, ctx.user);
  }
}

/** `DELETE`: by tag removes only the tag; by digest removes the manifest and its tags (202). */
export async function deleteManifest(ctx: RequestContext, reference: string): Promise<void> {
  if (!ctx.registry.deletes) throw new RegistryError('unsupported', 'deletes are disabled on this registry');
  const ref = parseReference(reference);
  const { repos } = ctx.registry;
  let digest: string;
  if (ref.kind === 'tag') {
    const d = await repos.readTag(ctx.name, ref.tag);
    if (!d || !(await repos.deleteTag(ctx.name, ref.tag))) throw manifestUnknown(reference);
    digest = d.value;
  } else {
    if (!(await repos.deleteManifest(ctx.name, ref.digest)).existed) throw manifestUnknown(reference);
    digest = ref.digest.value;
  }
  send(ctx.res, 202, {});
  ctx.registry.emit({ type: 'registry:delete', repository: ctx.name, reference, digest, target: 'manifest' }, ctx.user);
}
