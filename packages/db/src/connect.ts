import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { DbError } from './errors.js';
import { PrismaClient } from './generated/client.js';
import { migrate } from './migrate.js';

export type Prisma = PrismaClient;

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent, an embedded PGlite database in `dataDir`. */
  url?: string;
  /** Where PGlite keeps its files (ignored with `url`); in memory when absent too. */
  dataDir?: string;
  migrationsDir?: string;
}

export interface Database {
  prisma: PrismaClient;
  /** `postgres` or `pglite`, as /api/health reports it. */
  kind: 'postgres' | 'pglite';
  /** pg connection settings reaching the same database (socket.io's adapter uses them). */
  poolConfig: pg.PoolConfig;
  /** Migrations applied by this open (empty when the schema was current). */
  applied: string[];
  close(): Promise<void>;
}

/**
 * Opens the hub's database and brings its schema up to date.
 *
 * Embedded mode runs PGlite (PostgreSQL compiled to WASM) in this process and
 * serves it on a Unix socket with pglite-socket, so Prisma uses the same
 * driver adapter (@prisma/adapter-pg) as on a real server. PGlite has one
 * session, so the pool holds one connection and queries queue.
 */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  let poolConfig: pg.PoolConfig;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let kind: Database['kind'];
  if (options.url) {
    kind = 'postgres';
    poolConfig = { connectionString: options.url, max: 10 };
  } else {
    kind = 'pglite';
    const socketDir = options.dataDir ? join(options.dataDir, 'run') : undefined;
    // pg_trgm (contrib, shipped with PGlite) backs the audit's substring filters (migration 0004).
    const db = await PGlite.create({ ...(options.dataDir ? { dataDir: join(options.dataDir, 'pgdata') } : {}), extensions: { pg_trgm } });
    let path: string;
    if (socketDir) {
      mkdirSync(socketDir, { recursive: true, mode: 0o700 });
      path = join(socketDir, '.s.PGSQL.5432');
    } else {
      path = join(mkdtempSync(join(tmpdir(), 'drydock-pglite-')), '.s.PGSQL.5432');
    }
    rmSync(path, { force: true });
    const server = new PGLiteSocketServer({ db, path, maxConnections: 1 });
    await server.start();
    stopEmbedded = async () => {
      await server.stop();
      await db.close();
    };
    poolConfig = { host: join(path, '..'), port: 5432, user: 'postgres', database: 'postgres', max: 1 };
  }

  const pool = new pg.Pool(poolConfig);
  let applied: string[];
  try {
    const client = await pool.connect();
    try {
      applied = await migrate(client, options.migrationsDir);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    await stopEmbedded?.();
    if (err instanceof DbError) throw err;
    throw new DbError('connect-failed', `cannot reach the database: ${(err as Error).message}`, { cause: err });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    kind,
    poolConfig,
    applied,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
      await stopEmbedded?.();
    },
  };
}
