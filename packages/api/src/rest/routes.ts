import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { appendAudit, archiveAudit, verifyAudit } from '@drydock/db';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { auditCsv, listAudit } from '../services/audit.js';
import { SESSION_COOKIE, authenticate, checkPassword, cookieValue, createApiToken, createSession, endSession } from '../services/auth.js';
import { getBuild, parseGitContext, readUpload, startBuild } from '../services/builds.js';
import { getHost, hostForToken, listHosts } from '../services/hosts.js';
import { listContainers, listImages } from '../services/inventory.js';
import { cancelJob, queueJob } from '../services/jobs.js';
import { actorOf, requireRole, type Principal } from '../services/principal.js';
import { containerRoutes } from './container-routes.js';
import { hostAgentRoutes } from './host-agent-routes.js';
import { imageRoutes } from './image-routes.js';
import { readBody, readJson, sendError, sendJson } from './http.js';

type Params = Record<string, string>;
export interface RouteContext {
  hub: Hub;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Params;
  /** The caller, or `unauthorized`. */
  principal(): Promise<Principal>;
}
export type Handler = (c: RouteContext) => Promise<void>;

const routes: [string, RegExp, Handler][] = [];
const route = (method: string, pattern: string, handler: Handler) =>
  routes.push([method, new RegExp(`^${pattern.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`), handler]);

route('GET', '/api/health', async ({ hub, res }) => {
  const agents = await hub.prisma.host.count({ where: { connected: true } });
  sendJson(res, 200, { ok: true, db: hub.db.kind, agents });
});

// Browser sign-in: a session cookie (HttpOnly, SameSite=Lax).
route('POST', '/api/session', async ({ hub, req, res }) => {
  const body = z.object({ email: z.string().min(1), password: z.string().min(1) }).parse(await readJson(req));
  const user = await checkPassword(hub.prisma, body.email, body.password).catch(async (err: unknown) => {
    await appendAudit(hub.prisma, { actor: `user:${body.email}`, action: 'user.login', outcome: 'failure' });
    throw err;
  });
  const session = await createSession(hub.prisma, user.id);
  await appendAudit(hub.prisma, { actor: `user:${user.email}`, actorName: user.email, action: 'user.login', outcome: 'success' });
  res.setHeader('set-cookie', `${SESSION_COOKIE}=${session.token}; Path=/; HttpOnly; SameSite=Lax; Expires=${session.expiresAt.toUTCString()}`);
  sendJson(res, 200, { email: user.email, role: user.role });
});

route('DELETE', '/api/session', async ({ hub, req, res }) => {
  const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (token) await endSession(hub.prisma, token);
  res.setHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
  sendJson(res, 200, { ok: true });
});

route('POST', '/api/v1/tokens', async ({ hub, req, res, url }) => {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new ApiError('unauthorized', 'HTTP Basic email:password required');
  const user = await checkPassword(hub.prisma, decoded.slice(0, colon), decoded.slice(colon + 1));
  const name = url.searchParams.get('name') ?? 'api';
  const { token } = await createApiToken(hub.prisma, user.id, name);
  await appendAudit(hub.prisma, { actor: `user:${user.email}`, actorName: user.email, action: 'token.create', target: name, outcome: 'success' });
  sendJson(res, 201, { token });
});

route('GET', '/api/v1/hosts', async ({ hub, res, principal }) => {
  await principal();
  sendJson(res, 200, await listHosts(hub.prisma));
});

hostAgentRoutes(route); // hosts enrolled and managed over SSH
imageRoutes(route); // history, inspect, save downloads, uploads to load or import

route('GET', '/api/v1/hosts/:id/images', async ({ hub, res, params, principal, url }) => {
  await principal();
  const host = await getHost(hub.prisma, params.id!);
  sendJson(res, 200, await listImages(hub.prisma, { hostId: host.id, all: url.searchParams.get('all') === '1' }));
});

route('GET', '/api/v1/hosts/:id/containers', async ({ hub, res, params, principal }) => {
  await principal();
  const host = await getHost(hub.prisma, params.id!);
  sendJson(res, 200, await listContainers(hub.prisma, { hostId: host.id }));
});

containerRoutes(route); // export downloads

route('POST', '/api/v1/hosts/:id/builds', async ({ hub, req, res, params, url, principal }) => {
  const p = await principal();
  const buildArgs: Record<string, string> = {};
  for (const kv of url.searchParams.getAll('buildarg')) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new ApiError('bad-request', `buildarg ${kv}: expected KEY=VALUE`);
    buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const git = url.searchParams.get('git');
  const build = await startBuild(hub, p, {
    hostId: params.id!,
    context: git ? { git: parseGitContext(git) } : await readBody(req),
    dockerfile: url.searchParams.get('dockerfile') ?? undefined,
    tags: url.searchParams.getAll('t'),
    buildArgs,
    noCache: url.searchParams.get('nocache') === '1',
  });
  sendJson(res, 201, { id: build.id });
});

// Any other job (pull, push, tag, rm, container operations): a JobSpec as JSON.
route('POST', '/api/v1/hosts/:id/jobs', async ({ hub, req, res, params, principal }) => {
  const p = await principal();
  const body = await readJson(req);
  if ((body as { kind?: string }).kind === 'image.build') throw new ApiError('bad-request', 'builds go to /api/v1/hosts/:id/builds');
  const { jobId } = await queueJob(hub, p, params.id!, body as never);
  sendJson(res, 201, { id: jobId });
});

route('GET', '/api/v1/jobs/:id', async ({ hub, res, params, principal }) => {
  await principal();
  const job = await hub.prisma.job.findUnique({ where: { id: params.id! } });
  if (!job) throw new ApiError('not-found', `no job ${params.id}`);
  sendJson(res, 200, { id: job.id, kind: job.kind, status: job.status, result: job.result, error: job.error });
});

route('POST', '/api/v1/jobs/:id/cancel', async ({ hub, res, params, principal }) => {
  await cancelJob(hub, await principal(), params.id!);
  sendJson(res, 202, { id: params.id, cancelling: true });
});

route('GET', '/api/v1/builds/:id', async ({ hub, res, params, principal, url }) => {
  await principal();
  sendJson(res, 200, await getBuild(hub.prisma, params.id!, { logs: url.searchParams.get('logs') === '1' }));
});

route('GET', '/api/v1/audit', async ({ hub, res, url, principal }) => {
  await principal();
  const q = url.searchParams;
  const rows = await listAudit(hub.prisma, {
    action: q.get('action') || undefined,
    actor: q.get('actor') || undefined,
    host: q.get('host') || undefined,
    target: q.get('target') || undefined,
    since: q.get('since') ? new Date(q.get('since')!) : undefined,
    until: q.get('until') ? new Date(q.get('until')!) : undefined,
    take: q.get('limit') ? Number(q.get('limit')) : undefined,
  });
  if (q.get('format') === 'csv') {
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="drydock-audit.csv"' });
    return void res.end(auditCsv(rows));
  }
  sendJson(res, 200, rows);
});

route('GET', '/api/v1/audit/verify', async ({ hub, res, principal }) => {
  await principal();
  sendJson(res, 200, await verifyAudit(hub.prisma));
});

// Retention: rows created before `before` go to an archive file anchored in the chain.
route('POST', '/api/v1/audit/archive', async ({ hub, res, url, principal }) => {
  const p = await principal();
  requireRole(p, 'admin');
  const before = new Date(url.searchParams.get('before') ?? '');
  if (Number.isNaN(before.getTime())) throw new ApiError('bad-request', 'before=<ISO time> is required');
  const result = await archiveAudit(hub.prisma, { before, dir: hub.archiveDir });
  await appendAudit(hub.prisma, {
    actor: actorOf(p),
    actorName: p.email,
    action: 'audit.archive',
    target: result?.file ?? null,
    params: { before: before.toISOString(), rows: result?.rows ?? 0, lastHash: result?.lastHash ?? null },
    outcome: 'success',
  });
  sendJson(res, 200, result ?? { rows: 0 });
});

// A build context from the dashboard, uploaded before builds.start names it.
route('PUT', '/api/uploads', async ({ hub, req, res, principal }) => {
  const p = await principal();
  requireRole(p, 'operator');
  const id = `up_${randomBytes(12).toString('hex')}`;
  mkdirSync(hub.uploadsDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(hub.uploadsDir, `${id}.tar`), await readBody(req), { mode: 0o600 });
  sendJson(res, 201, { id });
});

// An agent fetches a build context with its host token.
route('GET', '/api/agent/uploads/:job', async ({ hub, req, res, params }) => {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const host = bearer ? await hostForToken(hub.prisma, bearer) : null;
  if (!host) throw new ApiError('unauthorized', 'host token required');
  const data = await readUpload(hub, host.id, params.job!);
  if (!data) throw new ApiError('not-found', 'no such upload for this host');
  res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': data.length });
  res.end(data);
});

/**
 * The REST API (README: "REST API for scripts"). Resolves to false when the
 * path is not one of its routes, so the server hands it on (tRPC, Next).
 */
export async function handleRest(hub: Hub, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://hub');
  const matches = routes.filter(([, re]) => re.test(url.pathname));
  if (matches.length === 0) return false;
  const found = matches.find(([m]) => m === req.method);
  if (!found) {
    sendJson(res, 405, { error: 'method-not-allowed', message: `${req.method} not allowed on ${url.pathname}` });
    return true;
  }
  const [, re, handler] = found;
  let cached: Promise<Principal | null> | undefined;
  const principal = async () => {
    cached ??= authenticate(hub.prisma, { authorization: req.headers.authorization, cookie: req.headers.cookie });
    const p = await cached;
    if (!p) throw new ApiError('unauthorized', 'sign in or send Authorization: Bearer <token>');
    return p;
  };
  try {
    await handler({ hub, req, res, url, params: { ...re.exec(url.pathname)!.groups }, principal });
  } catch (err) {
    if (!res.headersSent) sendError(res, err);
    else res.destroy();
  }
  return true;
}

