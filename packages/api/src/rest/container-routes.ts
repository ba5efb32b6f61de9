/**
 * REST routes for container exports (services/container-export.ts): the
 * browser's download and the agent's upload it waits for. Registered by routes.ts.
 */
import { ApiError } from '../errors.js';
import { downloadExport, receiveExport } from '../services/container-export.js';
import { hostForToken } from '../services/hosts.js';
import type { Handler } from './routes.js';

export function containerRoutes(route: (method: string, pattern: string, handler: Handler) => void): void {
  // `docker export` as a download (session cookie or Bearer token; operators and admins).
  route('GET', '/api/v1/hosts/:id/containers/:container/export', async ({ hub, res, params, principal }) => {
    await downloadExport(hub, await principal(), params.id!, decodeURIComponent(params.container!), res);
  });

  // The agent streams the tarball here with its host token.
  route('PUT', '/api/agent/sinks/:job', async ({ hub, req, res, params }) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const host = bearer ? await hostForToken(hub.prisma, bearer) : null;
    if (!host) throw new ApiError('unauthorized', 'host token required');
    await receiveExport(host.id, params.job!, req);
    res.writeHead(204).end();
  });
}
