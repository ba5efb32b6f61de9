/**
 * REST routes for hosts the hub manages over SSH (services/host-agents.ts): enroll, upgrade,
 * restart, agent log, remove, host key. Registered by routes.ts. A refused or failed SSH
 * operation answers with HOST_ERROR_STATUS of its code, the one-line message and the steps.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { acceptHostKey, enrollOverSsh, hostAgentLog, hostSsh, HostOperationError, removeManagedHost, restartHostAgent, upgradeHostAgent } from '../services/host-agents.js';
import { getHost, hostView } from '../services/hosts.js';
import { HostError, scanHostKey } from '@drydock/hosts';
import { readJson, sendJson } from './http.js';
import type { Handler } from './routes.js';

export const enrollBodySchema = z.object({
  name: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"'),
  ssh: z.object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1).max(64),
    privateKey: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    passphrase: z.string().min(1).optional(),
    /** Pin a known key instead of trusting the first one seen. */
    hostKeyFingerprint: z.string().min(1).optional(),
  }),
  hubUrl: z.string().min(1).optional(),
});

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
    const body = enrollBodySchema.parse(await readJson(req));
    await answering(res, async () => sendJson(res, 201, await enrollOverSsh(hub, p, body)));
  });

  route('GET', '/api/v1/hosts/:id/ssh', async ({ hub, res, params, principal }) => {
    await principal();
    sendJson(res, 200, await hostSsh(hub, params.id!));
  });

  // The key the host presents now, beside the pinned one (what an admin compares before accepting).
  route('GET', '/api/v1/hosts/:id/host-key', async ({ hub, res, params, principal }) => {
    await principal();
    const ssh = await hostSsh(hub, params.id!);
    await answering(res, async () => {
      const seen = await scanHostKey({ host: ssh.address, port: ssh.port, timeoutMs: 10_000 }).catch((err: unknown) => {
        throw err instanceof HostError ? new HostOperationError(err, []) : err;
      });
      sendJson(res, 200, { pinned: ssh.hostKeyFingerprint, pending: ssh.pendingHostKeyFingerprint, seen, matches: seen === ssh.hostKeyFingerprint });
    });
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
