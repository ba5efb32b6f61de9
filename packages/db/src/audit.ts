import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Prisma } from './connect.js';

/** What a caller records; the chain fields are computed here. */
export interface AuditEntry {
  actor: string;
  actorName?: string | null;
  action: string;
  hostId?: string | null;
  hostName?: string | null;
  target?: string | null;
  digest?: string | null;
  params?: Record<string, unknown>;
  outcome: 'success' | 'failure' | 'denied' | (string & {});
  /** Defaults to now; the agent's journal passes the host's time. */
  createdAt?: Date;
}

export const GENESIS_HASH = '0'.repeat(64);
const SECRET_KEY = /pass(word)?|secret|token|credential|authorization/i;

/** Replaces the value of every key that names a secret, at any depth. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v)]));
  }
  return value;
}

/** JSON with object keys sorted at every depth (JSONB does not keep key order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

interface HashedFields {
  createdAt: Date;
  actor: string;
  actorName: string | null;
  action: string;
  hostId: string | null;
  hostName: string | null;
  target: string | null;
  digest: string | null;
  params: unknown;
  outcome: string;
}

/** sha256 over the previous row's hash and this row's content. */
export function auditHash(prevHash: string, row: HashedFields): string {
  const content = canonicalJson({
    createdAt: row.createdAt.toISOString(),
    actor: row.actor,
    actorName: row.actorName,
    action: row.action,
    hostId: row.hostId,
    hostName: row.hostName,
    target: row.target,
    digest: row.digest,
    params: row.params,
    outcome: row.outcome,
  });
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

/**
 * Appends one row. A transaction-scoped advisory lock serializes appenders
 * (also across hub processes), so each row links to the one before it.
 */
export async function appendAudit(prisma: Prisma, entry: AuditEntry) {
  const createdAt = new Date(Math.floor((entry.createdAt ?? new Date()).getTime()));
  const fields: HashedFields = {
    createdAt,
    actor: entry.actor,
    actorName: entry.actorName ?? null,
    action: entry.action,
    hostId: entry.hostId ?? null,
    hostName: entry.hostName ?? null,
    target: entry.target ?? null,
    digest: entry.digest ?? null,
    params: JSON.parse(JSON.stringify(redact(entry.params ?? {}))) as unknown,
    outcome: entry.outcome,
  };
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(70310002)`;
    const last = await tx.auditLog.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } });
    // After an archive emptied the table, the chain continues from the anchor.
    const anchor = last ? null : await tx.auditAnchor.findFirst({ orderBy: { id: 'desc' }, select: { lastHash: true } });
    const prevHash = last?.hash ?? anchor?.lastHash ?? GENESIS_HASH;
    return tx.auditLog.create({
      data: { ...fields, params: fields.params as object, prevHash, hash: auditHash(prevHash, fields) },
    });
  });
}

/** Verifies rows given in chain order, starting from `prevHash`. */
function verifyRows(rows: Iterable<HashedFields & { id: bigint | string; prevHash: string; hash: string }>, prevHash: string) {
  let checked = 0;
  for (const row of rows) {
    if (row.prevHash !== prevHash) return { ok: false as const, checked, firstBadId: row.id.toString(), reason: 'broken-link' as const };
    if (auditHash(prevHash, row) !== row.hash) return { ok: false as const, checked, firstBadId: row.id.toString(), reason: 'hash-mismatch' as const };
    prevHash = row.hash;
    checked++;
  }
  return { ok: true as const, checked, lastHash: prevHash };
}

export type AuditVerification =
  | { ok: true; checked: number }
  | { ok: false; checked: number; firstBadId: string; reason: 'hash-mismatch' | 'broken-link' };

/**
 * Recomputes the chain from the first row. Stops at the first row whose
 * stored hash does not match its content, or whose prevHash is not the
 * previous row's hash (a row removed or reordered), and names it.
 */
export async function verifyAudit(prisma: Prisma, batchSize = 5000): Promise<AuditVerification> {
  // After an archive, the chain continues from the anchor's hash.
  const anchor = await prisma.auditAnchor.findFirst({ orderBy: { id: 'desc' } });
  let prevHash = anchor?.lastHash ?? GENESIS_HASH;
  let checked = 0;
  let cursor: bigint | undefined = anchor?.archivedThrough;
  for (;;) {
    const rows = await prisma.auditLog.findMany({
      where: cursor === undefined ? {} : { id: { gt: cursor } },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    const r = verifyRows(rows, prevHash);
    if (!r.ok) return { ...r, checked: checked + r.checked };
    checked += r.checked;
    prevHash = r.lastHash;
    if (rows.length < batchSize) return { ok: true, checked };
    cursor = rows[rows.length - 1]!.id;
  }
}

export interface ArchiveResult {
  rows: number;
  file: string;
  archivedThrough: string;
  lastHash: string;
}

/**
 * Retention: moves every row up to the last one created before `before` to a
 * JSON-lines file in `dir` (written whole, then renamed), records an anchor
 * (that row's id and hash, the file's sha256) and deletes the rows — the only
 * DELETE the database allows, for rows an anchor covers. Null when nothing is old enough.
 */
export async function archiveAudit(prisma: Prisma, opts: { before: Date; dir: string }): Promise<ArchiveResult | null> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(70310002)`;
      const last = await tx.auditLog.findFirst({ where: { createdAt: { lt: opts.before } }, orderBy: { id: 'desc' }, select: { id: true } });
      if (!last) return null;
      const rows = await tx.auditLog.findMany({ where: { id: { lte: last.id } }, orderBy: { id: 'asc' } });
      const first = rows[0]!;
      const final = rows[rows.length - 1]!;
      const text = rows.map((r) => JSON.stringify({ ...r, id: r.id.toString(), createdAt: r.createdAt.toISOString() })).join('\n') + '\n';
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
      const file = join(opts.dir, `audit-${first.id}-${final.id}.jsonl`);
      writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      await tx.auditAnchor.create({
        data: {
          archivedThrough: final.id,
          lastHash: final.hash,
          rows: rows.length,
          file,
          fileSha256: createHash('sha256').update(text).digest('hex'),
        },
      });
      await tx.auditLog.deleteMany({ where: { id: { lte: final.id } } });
      return { rows: rows.length, file, archivedThrough: final.id.toString(), lastHash: final.hash };
    },
    { timeout: 600_000 },
  );
}

/**
 * Verifies an archive file on its own: the chain inside it from `prevHash`
 * (the previous archive's last hash; genesis for the first).
 */
export function verifyArchiveFile(path: string, prevHash = GENESIS_HASH) {
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const r = JSON.parse(line) as HashedFields & { id: string; prevHash: string; hash: string; createdAt: string };
      return { ...r, createdAt: new Date(r.createdAt) };
    });
  return verifyRows(rows, prevHash);
}
