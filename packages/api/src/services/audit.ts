import type { Prisma } from '@drydock/db';

export interface AuditFilter {
  action?: string | undefined;
  actor?: string | undefined;
  host?: string | undefined;
  target?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  take?: number | undefined;
  /** Rows with an id below this one (paging backwards). */
  before?: string | undefined;
}

/** Audit rows, newest first. `actor`, `target` match substrings; `action`, `host` whole values. */
export async function listAudit(prisma: Prisma, f: AuditFilter) {
  const rows = await prisma.auditLog.findMany({
    where: {
      ...(f.action ? { action: f.action } : {}),
      ...(f.actor ? { OR: [{ actor: { contains: f.actor } }, { actorName: { contains: f.actor } }] } : {}),
      ...(f.host ? { hostName: f.host } : {}),
      ...(f.target ? { target: { contains: f.target } } : {}),
      ...(f.since || f.until ? { createdAt: { ...(f.since ? { gte: f.since } : {}), ...(f.until ? { lte: f.until } : {}) } } : {}),
      ...(f.before ? { id: { lt: BigInt(f.before) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: Math.min(f.take ?? 200, 5000),
  });
  return rows.map((r) => ({
    id: r.id.toString(),
    time: r.createdAt.toISOString(),
    actor: r.actor,
    /** The person behind the actor: the user's email, or the OS user on a host. */
    actorName: r.actorName ?? r.actor.replace(/^(user|os|agent):/, '').replace(/^token:[^@]*@/, ''),
    action: r.action,
    hostId: r.hostId,
    host: r.hostName,
    target: r.target,
    digest: r.digest,
    params: r.params as Record<string, unknown>,
    outcome: r.outcome,
    hash: r.hash,
  }));
}


const CSV_COLUMNS = ['id', 'time', 'actor', 'actorName', 'action', 'host', 'target', 'digest', 'outcome', 'hash'] as const;

/** RFC 4180 CSV of audit rows. */
export function auditCsv(rows: Awaited<ReturnType<typeof listAudit>>): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
