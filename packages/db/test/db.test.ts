import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendAudit,
  archiveAudit,
  decryptSecret,
  defaultMigrationsDir,
  encryptSecret,
  hashPassword,
  openDatabase,
  verifyAudit,
  verifyArchiveFile,
  verifyPassword,
  type Database,
} from '../src/index.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';

/**
 * Known pglite-socket issue: after Prisma's adapter gets an error from a
 * statement outside a transaction, the embedded server drops that connection
 * and the next query on it fails with EPIPE (the pool then reconnects). Plain
 * `pg` clients are not affected. This lets that one broken connection go.
 */
async function settle(db: Database): Promise<void> {
  if (db.kind === 'pglite') await db.prisma.$queryRaw`SELECT 1`.catch(() => undefined);
}

interface Backend {
  db: Database;
  /** Runs SQL as the database owner, bypassing the hub's code (a tamperer). */
  superuserSql: (sql: string) => Promise<void>;
  /** Closes and opens the same database again. */
  reopen: () => Promise<Database>;
  stop: () => Promise<void>;
}

/** One suite, run against the embedded default and a real PostgreSQL server. */
const backends: [string, () => Promise<Backend>][] = [
  [
    'pglite',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'drydock-db-test-'));
      const b: Backend = {
        db: await openDatabase({ dataDir }),
        // PGlite has one session (the pool's): run the tamperer's SQL through it.
        superuserSql: async (sql) => void (await b.db.prisma.$executeRawUnsafe(sql)),
        reopen: async () => {
          await b.db.close();
          b.db = await openDatabase({ dataDir });
          return b.db;
        },
        stop: async () => {
          await b.db.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
      return b;
    },
  ],
  [
    'postgresql',
    async () => {
      const server: TestPostgres = await startPostgres();
      const b: Backend = {
        db: await openDatabase({ url: server.url }),
        superuserSql: async (sql) => {
          const c = new pg.Client({ connectionString: server.url });
          await c.connect();
          try {
            await c.query(sql);
          } finally {
            await c.end();
          }
        },
        reopen: async () => {
          await b.db.close();
          b.db = await openDatabase({ url: server.url });
          return b.db;
        },
        stop: async () => {
          await b.db.close();
          await server.stop();
        },
      };
      return b;
    },
  ],
];

describe.each(backends)('database on %s', (name, open) => {
  let ctx: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    ctx = await open();
  });
  afterAll(async () => ctx?.stop());

  it('applies migrations once and keeps data across a reopen', async () => {
    // Every folder of prisma/migrations, in name order (0001_init first).
    const all = readdirSync(defaultMigrationsDir(), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(all[0]).toBe('0001_init');
    expect(ctx.db.applied).toEqual(all);
    const user = await ctx.db.prisma.user.create({
      data: { email: 'ann@example.com', name: 'Ann', passwordHash: await hashPassword('pw-1234'), role: 'admin' },
    });
    expect(user.role).toBe('admin');
    expect(await verifyPassword('pw-1234', user.passwordHash)).toBe(true);
    expect(await verifyPassword('wrong', user.passwordHash)).toBe(false);
    const again = await ctx.reopen();
    expect(again.applied).toEqual([]);
    expect((await again.prisma.user.findUniqueOrThrow({ where: { email: 'ann@example.com' } })).id).toBe(user.id);
  });

  it('archives old rows to a file whose last hash anchors the chain', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 6; i++) {
      await appendAudit(ctx.db.prisma, { actor: 'os:bob', action: 'image.rm', target: `old:${i}`, outcome: 'success', createdAt: new Date(t0 + i * 1000) });
    }
    const dir = mkdtempSync(join(tmpdir(), 'drydock-archive-'));
    try {
      // Everything so far (rows of the tests before) and old:0…old:3.
      const archived = await archiveAudit(ctx.db.prisma, { before: new Date(t0 + 3500), dir });
      expect(archived).toMatchObject({ rows: 4 });
      expect(await archiveAudit(ctx.db.prisma, { before: new Date(t0 - 1000), dir })).toBeNull();
      const left = await ctx.db.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });
      expect(left.map((r) => r.target)).toEqual(['old:4', 'old:5']);
      expect(left[0]!.prevHash).toBe(archived!.lastHash);
      expect(await verifyAudit(ctx.db.prisma)).toEqual({ ok: true, checked: 2 });
      expect(verifyArchiveFile(archived!.file)).toEqual({ ok: true, checked: 4, lastHash: archived!.lastHash });
      // Rows no anchor covers still cannot be deleted; the anchor itself is append-only.
      await expect(ctx.db.prisma.auditLog.delete({ where: { id: left[0]!.id } })).rejects.toThrow(/append-only/);
      await expect(ctx.db.prisma.auditAnchor.deleteMany({})).rejects.toThrow(/append-only/);
      await settle(ctx.db);
      // A changed line in the archive is found.
      writeFileSync(archived!.file, readFileSync(archived!.file, 'utf8').replace('old:1', 'old:X'));
      expect(verifyArchiveFile(archived!.file)).toMatchObject({ ok: false, checked: 1, reason: 'hash-mismatch' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('chains audit rows, refuses UPDATE and DELETE, and names the first tampered row', async () => {
    const base = (await verifyAudit(ctx.db.prisma)).checked;
    const rows = [];
    for (let i = 0; i < 5; i++) {
      rows.push(
        await appendAudit(ctx.db.prisma, {
          actor: 'user:ann@example.com',
          action: 'image.tag',
          target: `app:${i}`,
          params: { source: 'app:latest', password: 'hunter2' },
          outcome: 'success',
        }),
      );
    }
    expect(rows[0]!.params).toEqual({ source: 'app:latest', password: '[redacted]' });
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(await verifyAudit(ctx.db.prisma)).toEqual({ ok: true, checked: base + 5 });

    await expect(ctx.db.prisma.auditLog.update({ where: { id: rows[2]!.id }, data: { target: 'evil:1' } })).rejects.toThrow(/append-only/);
    await expect(ctx.db.prisma.auditLog.delete({ where: { id: rows[3]!.id } })).rejects.toThrow(/append-only/);
    // pglite-socket drops the connection on this statement-level error instead of
    // relaying the message, so only PostgreSQL's is checked by text; both refuse.
    await expect(ctx.db.prisma.$executeRaw`TRUNCATE "AuditLog"`).rejects.toThrow(name === 'postgresql' ? /append-only/ : /./);
    await settle(ctx.db);
    expect(await verifyAudit(ctx.db.prisma)).toEqual({ ok: true, checked: base + 5 });

    // Someone with the power to drop the trigger edits row 3: verify names it.
    await ctx.superuserSql('ALTER TABLE "AuditLog" DISABLE TRIGGER "AuditLog_no_update_delete"');
    await ctx.superuserSql(`UPDATE "AuditLog" SET "target" = 'evil:1' WHERE id = ${rows[2]!.id}`);
    await ctx.superuserSql('ALTER TABLE "AuditLog" ENABLE TRIGGER "AuditLog_no_update_delete"');
    expect(await verifyAudit(ctx.db.prisma)).toEqual({ ok: false, checked: base + 2, firstBadId: rows[2]!.id.toString(), reason: 'hash-mismatch' });
  });

  it('detects a removed audit row as a broken link', async () => {
    const last = await ctx.db.prisma.auditLog.findFirst({ orderBy: { id: 'desc' } });
    await ctx.superuserSql('ALTER TABLE "AuditLog" DISABLE TRIGGER "AuditLog_no_update_delete"');
    await ctx.superuserSql(`DELETE FROM "AuditLog" WHERE id < ${last!.id}`);
    await ctx.superuserSql('ALTER TABLE "AuditLog" ENABLE TRIGGER "AuditLog_no_update_delete"');
    expect(await verifyAudit(ctx.db.prisma)).toEqual({ ok: false, checked: 0, firstBadId: last!.id.toString(), reason: 'broken-link' });
  });

  // Last in this suite: the rows are made in SQL, outside the chain.
  it('plans audit substring filters and the all-hosts image list on their indexes', async () => {
    const prisma = ctx.db.prisma;
    await prisma.$executeRawUnsafe(`
      INSERT INTO "AuditLog" ("createdAt", actor, "actorName", action, target, params, outcome, "prevHash", hash)
      SELECT now(), 'user:u' || (g % 50) || '@example.com', 'u' || (g % 50) || '@example.com', 'image.push',
             'app' || (g % 2000) || ':' || (g % 7), '{}'::jsonb, 'success', 'plan-' || (g - 1), 'plan-' || g
      FROM generate_series(1, 10000) g`);
    await prisma.$executeRawUnsafe(`INSERT INTO "Host" (id, name) VALUES ('plan-host', 'plan-host')`);
    await prisma.$executeRawUnsafe(`
      INSERT INTO "Image" (id, "hostId", "imageId", "repoTags", "repoDigests", created, size, labels, intermediate, "updatedAt")
      SELECT 'plan' || g, 'plan-host', 'sha256:' || md5(g::text), ARRAY['app' || g || ':1'], ARRAY[]::text[],
             to_char(timestamp '2026-01-01' + (g || ' seconds')::interval, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), g, '{}'::jsonb, g % 10 = 0, now()
      FROM generate_series(1, 10000) g`);
    // As autovacuum would: statistics, and the GIN indexes' pending lists merged.
    await prisma.$executeRawUnsafe('VACUUM ANALYZE "AuditLog"');
    await prisma.$executeRawUnsafe('VACUUM ANALYZE "Image"');
    // A test-sized table is cheaper to scan whole, so sequential scans are ruled
    // out: what is checked is that the planner can serve each shape from its
    // index (pg_trgm loaded and the GIN operator class applying to LIKE). At
    // scale it picks them by itself (bench/hub.ts).
    const plan = (sql: string) =>
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
        return (await tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`)).map((r) => r['QUERY PLAN']).join('\n');
      });

    // The shapes listAudit and listImages (packages/api) send.
    const target = await plan(`SELECT * FROM "AuditLog" WHERE "target" LIKE '%app42:%' ORDER BY id DESC LIMIT 200`);
    expect(target).toContain('AuditLog_target_trgm_idx');
    expect(target).not.toContain('Seq Scan');
    const actor = await plan(`SELECT * FROM "AuditLog" WHERE ("actor" LIKE '%nobody%' OR "actorName" LIKE '%nobody%') ORDER BY id DESC LIMIT 200`);
    expect(actor).toContain('AuditLog_actor_trgm_idx');
    expect(actor).toContain('AuditLog_actorName_trgm_idx');
    const images = await plan(
      `SELECT i."imageId", h.name FROM "Image" i JOIN "Host" h ON h.id = i."hostId" WHERE NOT i.intermediate ORDER BY i.created DESC LIMIT 1000`,
    );
    expect(images).toContain('Image_intermediate_created_idx');
    expect(images).not.toMatch(/Seq Scan|Sort/);
  });
});

describe('secrets', () => {
  it('seals with AES-256-GCM and refuses another key or a changed byte', () => {
    const key = randomBytes(32);
    const sealed = encryptSecret(key, 's3cret');
    expect(sealed).not.toContain('s3cret');
    expect(decryptSecret(key, sealed)).toBe('s3cret');
    expect(() => decryptSecret(randomBytes(32), sealed)).toThrow(/does not open/);
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3]!, 'base64url');
    data[0]! ^= 1;
    parts[3] = data.toString('base64url');
    expect(() => decryptSecret(key, parts.join('.'))).toThrow(/does not open/);
  });
});
