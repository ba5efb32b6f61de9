import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { attachRealtime, createApiHandler, createHub, createEnrollToken, ensureFirstAdmin, ensureLocalHost, type Hub } from '@drydock/api';
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import { Server } from 'socket.io';

export interface HubServerOptions {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string | undefined;
  secretKey?: string | undefined;
  admin?: { email?: string | undefined; password?: string | undefined };
  /** Serve the dashboard (Next.js); API-only when false (tests of the API). */
  web?: boolean;
  log?: (line: string) => void;
}

export interface HubServer {
  url: string;
  hub: Hub;
  /** Set when the first admin was created with a generated password (print it once). */
  firstAdmin: { email: string; generatedPassword?: string } | null;
  createEnrollToken(name?: string): Promise<string>;
  /** The per-host token of the agent `drydock up` starts beside the hub (kept in dataDir, 0600). */
  localAgentToken(): Promise<string>;
  close(): Promise<void>;
}

/** The part of Next's custom-server API used here. */
interface NextApp {
  prepare(): Promise<void>;
  getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  close(): Promise<void>;
}

/** apps/web, found from this module (the sources or the esbuild bundle in apps/web/dist). */
function webDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'next.config.mjs'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find apps/web (next.config.mjs)');
    dir = parent;
  }
  return dir;
}

/**
 * The hub in one process and on one port: Next.js (the dashboard), the REST
 * API and tRPC under /api, socket.io (/agent for agents, /ui for browsers).
 * With PostgreSQL, socket.io's Postgres adapter lets several hub processes
 * share agents and browsers.
 */
export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const log = opts.log ?? (() => {});
  const hub = await createHub({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, secretKey: opts.secretKey });
  const firstAdmin = await ensureFirstAdmin(hub.prisma, opts.admin ?? {});

  let nextHandler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let closeNext: (() => Promise<void>) | undefined;
  if (opts.web !== false) {
    const dir = webDir();
    if (!existsSync(join(dir, '.next', 'BUILD_ID'))) throw new Error('the dashboard is not built: run `npm run build -w @drydock/web` (npm start does)');
    // Loaded by name so Next's global types stay out of the server's type graph.
    const nextModule: string = 'next';
    const { default: next } = (await import(nextModule)) as { default: (o: object) => NextApp };
    const app = next({ dev: false, dir, hostname: opts.host, port: opts.port });
    await app.prepare();
    const handle = app.getRequestHandler();
    nextHandler = (req, res) => handle(req, res);
    closeNext = () => app.close();
  }

  const api = createApiHandler(hub);
  const server = createServer((req, res) => {
    api(req, res)
      .then((handled) => {
        if (handled) return;
        if (nextHandler) return nextHandler(req, res);
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      })
      .catch((err: Error) => {
        log(`request ${req.method} ${req.url}: ${err.message}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
  });

  const io = new Server(server, { maxHttpBufferSize: 64 << 20, serveClient: false });
  let adapterPool: pg.Pool | undefined;
  if (hub.db.kind === 'postgres') {
    adapterPool = new pg.Pool({ ...hub.db.poolConfig, max: 2 });
    await adapterPool.query(
      'CREATE TABLE IF NOT EXISTS socket_io_attachments (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)',
    );
    io.adapter(createAdapter(adapterPool));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as { port: number };
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${address.port}`;
  attachRealtime(hub, io, url, log);

  return {
    url,
    hub,
    firstAdmin,
    createEnrollToken: (name) => createEnrollToken(hub.prisma, 'system', name),
    async localAgentToken() {
      const path = join(opts.dataDir, 'local-agent.token');
      let known: string | undefined;
      try {
        known = readFileSync(path, 'utf8').trim();
      } catch {
        known = undefined;
      }
      const token = await ensureLocalHost(hub.prisma, hostname(), known);
      if (token !== known) writeFileSync(path, `${token}\n`, { mode: 0o600 });
      return token;
    },
    async close() {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      server.closeAllConnections();
      await closeNext?.();
      await adapterPool?.end().catch(() => {});
      // Agents that were online here are offline now.
      await hub.prisma.host.updateMany({ where: { connected: true }, data: { connected: false, lastSeenAt: new Date() } }).catch(() => {});
      await hub.db.close();
    },
  };
}
