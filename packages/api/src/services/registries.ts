import { appendAudit, decryptSecret, encryptSecret, type Prisma } from '@drydock/db';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { actorOf, requireRole, type Principal } from './principal.js';

export interface RegistryInput {
  name: string;
  url: string;
  username?: string | undefined;
  password?: string | undefined;
}

const view = (r: { id: string; name: string; url: string; username: string | null; secretEnc: string | null; createdAt: Date }) => ({
  id: r.id,
  name: r.name,
  url: r.url,
  username: r.username,
  hasPassword: r.secretEnc !== null,
  createdAt: r.createdAt.toISOString(),
});

export async function listRegistries(prisma: Prisma) {
  return (await prisma.registry.findMany({ orderBy: { name: 'asc' } })).map(view);
}

/** Saves a registry; its password is sealed with the hub's key (AES-256-GCM), never stored in clear. */
export async function saveRegistry(hub: Hub, by: Principal, input: RegistryInput) {
  requireRole(by, 'admin');
  if (!/^https?:\/\/[^/]+/.test(input.url)) throw new ApiError('bad-request', `invalid registry URL "${input.url}": expected http(s)://HOST[:PORT]`);
  const url = input.url.replace(/\/+$/, '');
  const data = {
    name: input.name,
    url,
    username: input.username || null,
    secretEnc: input.password ? encryptSecret(hub.secretKey, input.password) : null,
  };
  const row = await hub.prisma.registry.upsert({ where: { name: input.name }, create: data, update: data });
  await appendAudit(hub.prisma, {
    actor: actorOf(by),
    actorName: by.email,
    action: 'registry.login',
    target: url,
    params: { name: input.name, username: input.username ?? null, password: input.password },
    outcome: 'success',
  });
  return view(row);
}

export async function deleteRegistry(hub: Hub, by: Principal, id: string) {
  requireRole(by, 'admin');
  const row = await hub.prisma.registry.delete({ where: { id } }).catch(() => null);
  if (!row) throw new ApiError('not-found', `no registry ${id}`);
  await appendAudit(hub.prisma, { actor: actorOf(by), actorName: by.email, action: 'registry.logout', target: row.url, outcome: 'success' });
}

/**
 * Repositories and their tags, read with the Distribution API (`/v2/_catalog`,
 * `/v2/<name>/tags/list`) using the stored credentials (HTTP Basic).
 */
export async function browseRegistry(hub: Hub, id: string, limit = 100) {
  const row = await hub.prisma.registry.findUnique({ where: { id } });
  if (!row) throw new ApiError('not-found', `no registry ${id}`);
  const headers: Record<string, string> = {};
  if (row.username) {
    const password = row.secretEnc ? decryptSecret(hub.secretKey, row.secretEnc) : '';
    headers.authorization = `Basic ${Buffer.from(`${row.username}:${password}`).toString('base64')}`;
  }
  const get = async <T>(path: string): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(row.url + path, { headers, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new ApiError('unavailable', `cannot reach ${row.url}: ${(err as Error).message}`, { cause: err });
    }
    if (res.status === 401) throw new ApiError('forbidden', `${row.url} refused the stored credentials`);
    if (!res.ok) throw new ApiError('unavailable', `${row.url}${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  const catalog = await get<{ repositories?: string[] }>(`/v2/_catalog?n=${limit}`);
  const repositories = [];
  for (const name of catalog.repositories ?? []) {
    const tags = await get<{ tags?: string[] | null }>(`/v2/${name}/tags/list`);
    repositories.push({ name, tags: (tags.tags ?? []).sort() });
  }
  return repositories;
}
