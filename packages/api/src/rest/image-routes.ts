/**
 * REST routes for images (services/images.ts, services/image-transfers.ts): history and
 * inspect of one image, a `docker save` download, an upload to load or import, and the
 * agent's side of a download. Registered by routes.ts.
 */
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { hostForToken } from '../services/hosts.js';
import { openDownload, receiveDownload, startImageUpload, startSave } from '../services/image-transfers.js';
import { imageHistory, imageInspect } from '../services/images.js';
import { sendJson } from './http.js';
import type { Handler } from './routes.js';

const uploadQuery = z.object({
  mode: z.enum(['auto', 'load', 'import']).default('auto'),
  ref: z.string().min(1).optional(),
  message: z.string().optional(),
});

export function imageRoutes(route: (method: string, pattern: string, handler: Handler) => void): void {
  // `docker image history` / `docker image inspect` of ?ref= (a reference or an id) on a host.
  route('GET', '/api/v1/hosts/:id/images/history', async ({ hub, res, params, url, principal }) => {
    await principal();
    sendJson(res, 200, await imageHistory(hub, params.id!, requiredRef(url)));
  });
  route('GET', '/api/v1/hosts/:id/images/inspect', async ({ hub, res, params, url, principal }) => {
    await principal();
    sendJson(res, 200, [await imageInspect(hub, params.id!, requiredRef(url))]);
  });

  // A tar as the body: `image load` (docker save / OCI layout) or `image import` (rootfs), ?mode=auto by default.
  route('POST', '/api/v1/hosts/:id/images/upload', async ({ hub, req, res, params, url, principal }) => {
    const p = await principal();
    const q = uploadQuery.parse(Object.fromEntries(url.searchParams));
    const started = await startImageUpload(hub, p, params.id!, req, q);
    sendJson(res, 201, { id: started.jobId, kind: started.kind });
  });

  // `docker save` of ?ref= (repeatable) on the host into the hub; the tar then comes from /api/v1/jobs/:id/download.
  route('POST', '/api/v1/hosts/:id/images/save', async ({ hub, res, params, url, principal }) => {
    const refs = url.searchParams.getAll('ref');
    if (refs.length === 0) throw new ApiError('bad-request', 'ref=<image> is required');
    sendJson(res, 201, { id: (await startSave(hub, await principal(), params.id!, refs)).jobId });
  });

  // The tar of a finished save (or export) job, for who started it.
  route('GET', '/api/v1/jobs/:id/download', async ({ hub, res, params, principal }) => {
    const d = await openDownload(hub, await principal(), params.id!);
    res.writeHead(200, {
      'content-type': 'application/x-tar',
      'content-length': d.size,
      'content-disposition': `attachment; filename="${d.filename}"`,
      'cache-control': 'no-store',
    });
    await pipeline(d.stream, res);
  });

  // An agent streams a save or export here with its host token.
  route('PUT', '/api/agent/downloads/:job', async ({ hub, req, res, params }) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const host = bearer ? await hostForToken(hub.prisma, bearer) : null;
    if (!host) throw new ApiError('unauthorized', 'host token required');
    sendJson(res, 200, { bytes: await receiveDownload(hub, host.id, params.job!, req) });
  });
}

function requiredRef(url: URL): string {
  const ref = url.searchParams.get('ref');
  if (!ref) throw new ApiError('bad-request', 'ref=<image> is required');
  return ref;
}
