import { appendAudit, hashToken, newToken, type Prisma } from '@drydock/db';
import type { HostFacts } from '@drydock/protocol';
import { ApiError } from '../errors.js';
import { actorOf, requireRole, type Principal } from './principal.js';

/** A host as the REST API and the dashboard show it. */
export function hostView(h: { id: string; name: string; connected: boolean; lastSeenAt: Date | null; facts: unknown; agentVersion: string | null; createdAt: Date }) {
  return {
    id: h.id,
    name: h.name,
    status: h.connected ? ('online' as const) : ('offline' as const),
    lastSeenAt: h.lastSeenAt?.toISOString() ?? null,
    agentVersion: h.agentVersion,
    facts: (h.facts ?? null) as HostFacts | null,
    createdAt: h.createdAt.toISOString(),
  };
}

export async function listHosts(prisma: Prisma) {
  return (await prisma.host.findMany({ orderBy: { name: 'asc' } })).map(hostView);
}

export async function getHost(prisma: Prisma, id: string) {
  const host = await prisma.host.findUnique({ where: { id } });
  if (!host) throw new ApiError('not-found', `no host ${id}`);
  return host;
}

/** A one-time token an agent trades for its per-host token on first connect. */
export async function createEnrollToken(prisma: Prisma, by: Principal | 'system', hostName?: string): Promise<string> {
  if (by !== 'system') requireRole(by, 'admin');
  const token = newToken('dde');
  await prisma.hostToken.create({ data: { kind: 'enroll', tokenHash: hashToken(token), hostName: hostName ?? null } });
  if (by !== 'system') {
    await appendAudit(prisma, { actor: actorOf(by), actorName: by.email, action: 'host.enroll-token', target: hostName ?? null, outcome: 'success' });
  }
  return token;
}

/** The host a per-host token belongs to, or null. */
export async function hostForToken(prisma: Prisma, token: string) {
  const row = await prisma.hostToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { host: true } });
  return row?.kind === 'host' && row.host ? row.host : null;
}

/**
 * Trades an unused enrollment token for a new host and its per-host token.
 * The token is marked used in the same statement that checks it, so two
 * agents racing with one token cannot both enroll.
 */
export async function enrollHost(prisma: Prisma, enrollToken: string, facts: HostFacts): Promise<{ hostId: string; token: string } | null> {
  return prisma.$transaction(async (tx) => {
    const row = await tx.hostToken.findUnique({ where: { tokenHash: hashToken(enrollToken) } });
    if (!row || row.kind !== 'enroll') return null;
    const claimed = await tx.hostToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: new Date() } });
    if (claimed.count !== 1) return null;
    if (row.hostId) {
      // A host the hub created before installing its agent over SSH (host-agents.ts).
      const token = newToken('ddh');
      await tx.hostToken.create({ data: { kind: 'host', tokenHash: hashToken(token), hostId: row.hostId } });
      return { hostId: row.hostId, token };
    }
    const host = await tx.host.create({ data: { name: await freeHostName(tx, row.hostName ?? facts.hostname), facts: facts as object } });
    const token = newToken('ddh');
    await tx.hostToken.create({ data: { kind: 'host', tokenHash: hashToken(token), hostId: host.id } });
    return { hostId: host.id, token };
  });
}

/**
 * The host `drydock up` runs its own agent on: its per-host token when the hub
 * still knows `known`, else a new host (named `name`) and token. Lets the local
 * agent connect without an enrollment round.
 */
export async function ensureLocalHost(prisma: Prisma, name: string, known?: string): Promise<string> {
  if (known && (await hostForToken(prisma, known))) return known;
  const token = newToken('ddh');
  const host = await prisma.$transaction(async (tx) => {
    const created = await tx.host.create({ data: { name: await freeHostName(tx, name) } });
    await tx.hostToken.create({ data: { kind: 'host', tokenHash: hashToken(token), hostId: created.id } });
    return created;
  });
  await appendAudit(prisma, { actor: 'system', action: 'host.enroll', hostId: host.id, hostName: host.name, params: { local: true }, outcome: 'success' });
  return token;
}

/** `base`, or `base-2`, `base-3`… : the first name no host has yet. */
async function freeHostName(tx: Pick<Prisma, 'host'>, base: string): Promise<string> {
  let name = base;
  for (let i = 2; await tx.host.findUnique({ where: { name } }); i++) name = `${base}-${i}`;
  return name;
}
