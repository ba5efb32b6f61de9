/**
 * REST routes for hosts the hub manages over SSH (services/host-agents.ts): enroll, upgrade,
 * restart, agent log, remove, host key. Registered by routes.ts. A refused or failed SSH
 * operation answers with HOST_ERROR_STATUS of its code, the one-line message and the steps.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { acceptHostKey, hostAgentLog, hostSsh, removeManagedHost, restartHostAgent, scanCurrentHostKey, upgradeHostAgent } from '../services/host-agents.js';
import { enrollInputSchema, enrollOverSsh } from '../services/host-enrollment.js';
import { HostOperationError } from '../services/host-ssh.js';
import { getHost, hostView } from '../services/hosts.js';
import { readJson, sendJson } from './http.js';
import type { Handler } from './routes.js';

/** Sends a failed SSH operation's status, code, message and steps; rethrows anything else. */
async function answering(res: ServerResponse, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof HostOperationError)) throw err;
    sendJson(res, err.status, { error: err.code, message: err.message, steps: err.steps });
  }
}

export function hostAgentRoutes(route: (method: string, pattern: string, handler: Handler) => void): void {
  route('POST', '/api/v1/hosts', async ({ hub, req, res, principal }) => {
    const p = await principal();
    const body = enrollInputSchema.parse(await readJson(req));
    await answering(res, async () => sendJson(res, 201, await enrollOverSsh(hub, p, body)));
  });

  route('GET', '/api/v1/hosts/:id/ssh', async ({ hub, res, params, principal }) => {
    await principal();
    sendJson(res, 200, await hostSsh(hub, params.id!));
  });

  // The key the host presents now, beside the pinned one (what an admin compares before accepting).
  // The key the host presents now, beside the pinned one (what an admin compares before accepting).
  route('GET', '/api/v1/hosts/:id/host-key', async ({ hub, res, params, principal }) => {
    await principal();
    await answering(res, async () => sendJson(res, 200, await scanCurrentHostKey(hub, params.id!)));
  });

  route('POST', '/api/v1/hosts/:id/host-key', async ({ hub, req, res, params, principal }) => {
    const p = await principal();
    const body = z.object({ fingerprint: z.string().min(1) }).parse(await readJson(req));
    await answering(res, async () => sendJson(res, 200, await acceptHostKey(hub, p, params.id!, body.fingerprint)));
  });

  route('POST', '/api/v1/hosts/:id/upgrade', async ({ hub, res, params, principal }) => {
    const p = await principal();
    await answering(res, async () => sendJson(res, 200, await upgradeHostAgent(hub, p, params.id!)));
  });

  route('POST', '/api/v1/hosts/:id/restart', async ({ hub, res, params, principal }) => {
    const p = await principal();
    await answering(res, async () => sendJson(res, 200, await restartHostAgent(hub, p, params.id!)));
  });

  route('GET', '/api/v1/hosts/:id/agent-log', async ({ hub, res, params, url, principal }) => {
    const p = await principal();
    const lines = url.searchParams.get('lines') ? Number(url.searchParams.get('lines')) : undefined;
    await answering(res, async () => sendJson(res, 200, await hostAgentLog(hub, p, params.id!, Number.isFinite(lines) ? lines : undefined)));
  });

  route('GET', '/api/v1/hosts/:id', async ({ hub, res, params, principal }) => {
    await principal();
    sendJson(res, 200, hostView(await getHost(hub.prisma, params.id!)));
  });

  route('DELETE', '/api/v1/hosts/:id', async ({ hub, res, params, url, principal }) => {
    const p = await principal();
    const force = url.searchParams.get('force') === '1';
    await answering(res, async () => sendJson(res, 200, await removeManagedHost(hub, p, params.id!, { force })));
  });
}
