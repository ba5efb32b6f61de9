import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { openDatabase, type DatabaseOptions } from '@drydock/db';
import type { Server } from 'socket.io';
import { HubBus, type Hub } from './hub.js';
import { agentDispatch, attachAgentNamespace } from './realtime/agent-namespace.js';
import { attachUiNamespace } from './realtime/ui-namespace.js';
import { handleRest } from './rest/routes.js';
import { authenticate } from './services/auth.js';
import { appRouter } from './trpc/root.js';

export interface HubOptions {
  /** The hub's data directory: embedded database, uploads, secret key. */
  dataDir: string;
  /** PostgreSQL URL; the embedded PGlite database when absent. */
  databaseUrl?: string | undefined;
  /** 32-byte key (hex or base64) for registry secrets; else a key file in dataDir. */
  secretKey?: string | undefined;
  database?: Partial<DatabaseOptions>;
}

/** The key sealing registry secrets: given, or generated once into dataDir/secret.key (0600). */
function loadSecretKey(dataDir: string, given?: string): Buffer {
  if (given) return Buffer.from(given, /^[0-9a-f]{64}$/i.test(given) ? 'hex' : 'base64');
  const path = join(dataDir, 'secret.key');
  try {
    return readFileSync(path);
  } catch {
    const key = randomBytes(32);
    writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

/**
 * Opens the database (migrating it) and builds the hub's state. `agentUrl`
 * and `agents` are set by `attachRealtime` once the server listens.
 */
export async function createHub(opts: HubOptions): Promise<Hub> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const db = await openDatabase({ ...opts.database, ...(opts.databaseUrl ? { url: opts.databaseUrl } : { dataDir: opts.dataDir }) });
  let agentUrl = '';
  return {
    db,
    prisma: db.prisma,
    secretKey: loadSecretKey(opts.dataDir, opts.secretKey),
    uploadsDir: join(opts.dataDir, 'uploads'),
    archiveDir: join(opts.dataDir, 'audit-archive'),
    agentUrl: () => agentUrl,
    setAgentUrl: (url: string) => void (agentUrl = url),
    bus: new HubBus(),
    agents: { sendJob: () => {} },
  } as Hub & { setAgentUrl(url: string): void };
}

/** Wires the socket.io namespaces (/agent, /ui) and where the hub tells agents to fetch uploads. */
export function attachRealtime(hub: Hub, io: Server, agentUrl: string, log?: (line: string) => void): void {
  (hub as Hub & { setAgentUrl(url: string): void }).setAgentUrl(agentUrl);
  hub.agents = agentDispatch(io);
  attachAgentNamespace(io, hub, log);
  attachUiNamespace(io, hub);
}

/**
 * The hub's HTTP routes: REST under /api, tRPC under /api/trpc. Resolves to
 * false for any other path (the caller hands it to Next.js).
 */
export function createApiHandler(hub: Hub): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/api/trpc/',
    createContext: async ({ req }) => ({
      hub,
      principal: await authenticate(hub.prisma, { authorization: req.headers.authorization, cookie: req.headers.cookie }),
    }),
  });
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/api/trpc/')) {
      trpc(req, res);
      return true;
    }
    return handleRest(hub, req, res);
  };
}
