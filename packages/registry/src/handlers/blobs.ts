/**
 * Blob endpoints: `HEAD|GET|DELETE /v2/<name>/blobs/<digest>` and the upload protocol under
 * `/v2/<name>/blobs/uploads/` (POST to start, monolithic or mount; PATCH chunks; PUT to finish;
 * GET status; DELETE to cancel).
 *
 * A repository serves a blob only when it links it (pushed, mounted into it, or one of its
 * manifests). Bytes are streamed both ways; nothing here holds a blob in memory.
 */
import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../context.js';
import { RegistryError } from '../errors.js';
import { parseByteRange, parseContentRange, send, uploadRange, type Headers } from '../http.js';
import { isValidName, parseDigest, tryParseDigest, type Digest } from '../names.js';
import type { UploadState } from '../storage/uploads.js';

function blobUnknown(d: Digest): RegistryError {
  return new RegistryError('blob-unknown', 'blob unknown to registry', { digest: d.value });
}

function blobLocation(name: string, d: Digest): string {
  return `/v2/${name}/blobs/${d.value}`;
}

/** Size of blob `d` when repository `name` may serve it, else undefined. */
async function servableSize(ctx: RequestContext, name: string, d: Digest): Promise<number | undefined> {
  const { repos, blobs } = ctx.registry;
  const linked = (await repos.hasBlob(name, d)) || (await repos.getManifest(name, d)) !== undefined;
  return linked ? blobs.size(d) : undefined;
}

/** `HEAD` and `GET /v2/<name>/blobs/<digest>`, with single-range `Range` support (206). */
export async function getBlob(ctx: RequestContext, reference: string): Promise<void> {
  const d = parseDigest(reference);
  const size = await servableSize(ctx, ctx.name, d);
  if (size === undefined) throw blobUnknown(d);
  const head = ctx.req.method === 'HEAD';
  const headers: Headers = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': d.value,
    'Accept-Ranges': 'bytes',
    ETag: `"${d.value}"`,
    'Cache-Control': 'max-age=31536000',
  };
  const range = head ? undefined : parseByteRange(ctx.req.headers.range, size);
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['Content-Length'] = range.end - range.start + 1;
    ctx.res.writeHead(206, headers);
  } else {
    headers['Content-Length'] = size;
    ctx.res.writeHead(200, headers);
  }
  if (head || size === 0) {
    ctx.res.end();
    return;
  }
  try {
    await pipeline(ctx.registry.blobs.open(d, range), ctx.res);
  } catch (err) {
    // A client that hangs up mid-blob is no server failure; anything else is.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
}

/** `DELETE /v2/<name>/blobs/<digest>`: unlinks the blob from the repository (202). */
export async function deleteBlob(ctx: RequestContext, reference: string): Promise<void> {
  if (!ctx.registry.deletes) throw new RegistryError('unsupported', 'deletes are disabled on this registry');
  const d = parseDigest(reference);
  if (!(await ctx.registry.repos.unlinkBlob(ctx.name, d))) throw blobUnknown(d);
  send(ctx.res, 202, {});
  ctx.registry.emit({ type: 'registry:delete', repository: ctx.name, reference: d.value, digest: d.value, target: 'blob' }, ctx.user);
}

function uploadHeaders(name: string, state: UploadState): Record<string, string> {
  return {
    Location: `/v2/${name}/blobs/uploads/${state.uuid}`,
    'Docker-Upload-UUID': state.uuid,
    Range: uploadRange(state.offset),
  };
}

/** Publishes a finished upload in the repository and answers 201. */
async function created(ctx: RequestContext, d: Digest): Promise<void> {
  await ctx.registry.repos.linkBlob(ctx.name, d);
  send(ctx.res, 201, { Location: blobLocation(ctx.name, d), 'Docker-Content-Digest': d.value });
}

/**
 * `POST /v2/<name>/blobs/uploads/`: `?mount=<digest>&from=<repo>` links an existing blob
 * (201) when the source repository has it and the client may pull it, else falls back to a
 * new upload; `?digest=<digest>` with a body is a monolithic upload (201); otherwise a new
 * upload session (202).
 */
export async function startUpload(ctx: RequestContext): Promise<void> {
  const q = ctx.url.searchParams;
  const mount = q.get('mount');
  const from = q.get('from');
  if (mount !== null && from !== null && isValidName(from)) {
    const d = tryParseDigest(mount);
    if (d && (await servableSize(ctx, from, d)) !== undefined && (await ctx.can({ type: 'repository', name: from, actions: ['pull'] }))) {
      ctx.req.resume();
      await created(ctx, d);
      return;
    }
  }
  const digest = q.get('digest');
  const { uploads } = ctx.registry;
  if (digest !== null) {
    const d = parseDigest(digest);
    const state = await uploads.create(ctx.name, [d.algorithm]);
    try {
      await uploads.finish(state.uuid, ctx.name, d, ctx.req);
    } catch (err) {
      await uploads.cancel(state.uuid, ctx.name).catch(() => undefined);
      throw err;
    }
    await created(ctx, d);
    return;
  }
  ctx.req.resume();
  const state = await uploads.create(ctx.name);
  send(ctx.res, 202, uploadHeaders(ctx.name, state));
}

/** `PATCH …/uploads/<uuid>`: appends a chunk; with `Content-Range` it must start at the offset (else 416). */
export async function patchUpload(ctx: RequestContext, uuid: string): Promise<void> {
  const state = await withUploadHeaders(ctx, uuid, () => ctx.registry.uploads.append(uuid, ctx.name, ctx.req, contentRange(ctx)));
  send(ctx.res, 202, uploadHeaders(ctx.name, state));
}

function contentRange(ctx: RequestContext): { start: number; end: number } | undefined {
  const header = ctx.req.headers['content-range'];
  return header ? parseContentRange(header) : undefined;
}

/** Runs an upload step; a 416 carries the upload's current `Range` and `Location` so clients can resume. */
async function withUploadHeaders<T>(ctx: RequestContext, uuid: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'range-invalid') {
      const state = await ctx.registry.uploads.get(uuid, ctx.name).catch(() => undefined);
      if (state) err.headers = uploadHeaders(ctx.name, state);
    }
    throw err;
  }
}

/** `PUT …/uploads/<uuid>?digest=`: appends the optional last chunk, verifies and publishes (201). */
export async function finishUpload(ctx: RequestContext, uuid: string): Promise<void> {
  const digest = ctx.url.searchParams.get('digest');
  if (digest === null) {
    await ctx.registry.uploads.get(uuid, ctx.name);
    throw new RegistryError('digest-invalid', 'the digest query parameter is required to finish an upload');
  }
  const d = parseDigest(digest);
  await withUploadHeaders(ctx, uuid, () => ctx.registry.uploads.finish(uuid, ctx.name, d, ctx.req, contentRange(ctx)));
  await created(ctx, d);
}

/** `GET …/uploads/<uuid>`: the upload's progress (204 with `Range`). */
export async function uploadStatus(ctx: RequestContext, uuid: string): Promise<void> {
  const state = await ctx.registry.uploads.get(uuid, ctx.name);
  send(ctx.res, 204, uploadHeaders(ctx.name, state));
}

/** `DELETE …/uploads/<uuid>`: cancels the upload (204). */
export async function cancelUpload(ctx: RequestContext, uuid: string): Promise<void> {
  await ctx.registry.uploads.cancel(uuid, ctx.name);
  send(ctx.res, 204, {});
}
