/**
 * The HTTP server: routing, authorization, error mapping and access logging over the
 * handlers. `createRegistryServer` returns a plain `node:http` Server (not yet listening);
 * `listen(server, 'HOST:PORT')` starts it and resolves with the bound address.
 *
 * Contracts: every response carries `Docker-Distribution-API-Version: registry/2.0`; every
 * failure is a spec error body with the status from errors.ts; a request is routed, its
 * repository name validated (NAME_INVALID) and authorized before any handler runs; a request
 * body the handler did not read is drained so keep-alive connections survive errors.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { allowAll, htpasswdAuthorizer, type Action, type Authorizer, type Scope } from './auth.js';
import { noopLogger, type Registry, type RegistryOptions, type RequestContext } from './context.js';
import { RegistryError, toRegistryError } from './errors.js';
import { cancelUpload, deleteBlob, finishUpload, getBlob, patchUpload, startUpload, uploadStatus } from './handlers/blobs.js';
import { catalog, listTags, referrers } from './handlers/discovery.js';
import { deleteManifest, getManifest, putManifest } from './handlers/manifests.js';
import { sendError, sendJSON } from './http.js';
import { parseName } from './names.js';
import { BlobStore } from './storage/blobs.js';
import { RepositoryStore } from './storage/repositories.js';
import { UploadStore } from './storage/uploads.js';

type Handler = (ctx: RequestContext, param: string) => Promise<void>;

interface Route {
  /** Matches the path; group 1 is the repository name (when `named`), group 2 the parameter. */
  pattern: RegExp;
  named: boolean;
  methods: Partial<Record<string, { handler: Handler; actions: Action[] }>>;
}

const pull: Action[] = ['pull'];
const push: Action[] = ['pull', 'push'];
const del: Action[] = ['delete'];

const ROUTES: Route[] = [
  { pattern: /^\/v2\/?$/, named: false, methods: { GET: { handler: base, actions: [] }, HEAD: { handler: base, actions: [] } } },
  { pattern: /^\/v2\/_catalog$/, named: false, methods: { GET: { handler: (c) => catalog(c), actions: [] } } },
  { pattern: /^\/v2\/(.+)\/tags\/list$/, named: true, methods: { GET: { handler: (c) => listTags(c), actions: pull } } },
  { pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, named: true, methods: { GET: { handler: referrers, actions: pull } } },
  {
    pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    named: true,
    methods: {
      GET: { handler: getManifest, actions: pull },
      HEAD: { handler: getManifest, actions: pull },
      PUT: { handler: putManifest, actions: push },
      DELETE: { handler: deleteManifest, actions: del },
    },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/?()$/, named: true, methods: { POST: { handler: (c) => startUpload(c), actions: push } } },
  {
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    named: true,
    methods: {
      GET: { handler: uploadStatus, actions: push },
      PATCH: { handler: patchUpload, actions: push },
      PUT: { handler: finishUpload, actions: push },
      DELETE: { handler: cancelUpload, actions: push },
    },
  },
  {
    pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/,
    named: true,
    methods: { GET: { handler: getBlob, actions: pull }, HEAD: { handler: getBlob, actions: pull }, DELETE: { handler: deleteBlob, actions: del } },
  },
];

async function base(ctx: RequestContext): Promise<void> {
  sendJSON(ctx.res, 200, {}, {}, ctx.req.method === 'HEAD');
}

/** Builds the long-lived registry state for `options` (creates the root folders). */
export function openRegistry(options: RegistryOptions): Registry {
  const root = resolve(options.root);
  for (const sub of ['blobs', 'repositories', 'uploads', 'tmp']) mkdirSync(resolve(root, sub), { recursive: true });
  const blobs = new BlobStore(root);
  const logger = options.logger ?? noopLogger;
  return {
    root,
    blobs,
    repos: new RepositoryStore(root),
    uploads: new UploadStore(root, blobs),
    deletes: options.deletes ?? true,
    logger,
    emit(event, user) {
      if (!options.onEvent) return;
      try {
        options.onEvent({ ...event, ...(user !== undefined ? { user } : {}) });
      } catch (err) {
        logger.error('registry: onEvent failed', { error: String(err) });
      }
    },
  };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Creates the registry's HTTP server over `options.root`. Call `listen` (or `server.listen`) to serve. */
export function createRegistryServer(options: RegistryOptions): Server {
  const registry = openRegistry(options);
  const authorize: Authorizer = options.authorize ?? (options.htpasswd ? htpasswdAuthorizer({ file: options.htpasswd, ...(options.realm ? { realm: options.realm } : {}) }) : allowAll);
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 30_000 }, (req, res) => {
    void handle(registry, authorize, req, res);
  });
  return server;
}

async function handle(registry: Registry, authorize: Authorizer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://registry.invalid');
  let user: string | undefined;
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  try {
    const route = ROUTES.find((r) => r.pattern.test(url.pathname));
    if (!route) throw new RegistryError('route-unknown', 'no such endpoint', { path: url.pathname });
    const m = route.pattern.exec(url.pathname)!;
    const name = route.named ? parseName(decode(m[1]!)) : '';
    const param = decode((route.named ? m[2] : m[1]) ?? '');
    const entry = route.methods[method];
    if (!entry) throw new RegistryError('method-not-allowed', `method ${method} not allowed here`, { allowed: Object.keys(route.methods) });
    const scope: Scope = route.named
      ? { type: 'repository', name, actions: entry.actions }
      : { type: 'registry', name: url.pathname.startsWith('/v2/_catalog') ? 'catalog' : '', actions: url.pathname.startsWith('/v2/_catalog') ? ['*'] : [] };
    const verdict = await authorize(req, scope);
    if (!verdict.ok) {
      const err = new RegistryError(verdict.error, verdict.message ?? (verdict.error === 'denied' ? 'requested access to the resource is denied' : 'authentication required'));
      if (verdict.challenge) err.headers['WWW-Authenticate'] = verdict.challenge;
      throw err;
    }
    user = verdict.user;
    const ctx: RequestContext = {
      req,
      res,
      url,
      name,
      user,
      registry,
      can: async (s) => (await authorize(req, s)).ok,
    };
    await entry.handler(ctx, param);
  } catch (caught) {
    const err = toRegistryError(caught);
    if (err.code === 'internal') registry.logger.error('registry: request failed', { method, path: url.pathname, error: String((caught as Error)?.stack ?? caught) });
    if (!req.readableEnded) req.resume();
    if (err.code === 'method-not-allowed') err.headers['Allow'] = ((err.detail as { allowed?: string[] })?.allowed ?? []).join(', ');
    sendError(res, err, method === 'HEAD', err.headers);
  } finally {
    registry.logger.info('registry: request', { method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started), ...(user ? { user } : {}) });
  }
}

/** Parses `HOST:PORT`, `[v6]:PORT` or `:PORT` (all interfaces). */
export function parseAddr(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid listen address ${JSON.stringify(addr)} (want HOST:PORT)`);
  const host = m[1] ?? m[2];
  return { host: host ? host : undefined, port };
}

/** Starts `server` on `addr` (`HOST:PORT`; port 0 picks a free one); resolves with where it listens. */
export function listen(server: Server, addr: string): Promise<{ host: string; port: number; url: string }> {
  const { host, port } = parseAddr(addr);
  return new Promise((resolvePromise, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address() as AddressInfo;
      const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolvePromise({ host: a.address, port: a.port, url: `http://${shown}:${a.port}` });
    });
  });
}
