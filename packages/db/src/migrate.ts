import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { DbError } from './errors.js';

/**
 * Finds prisma/migrations by walking up from this module, so it resolves both
 * from the sources (vitest) and from the hub's esbuild bundle.
 */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new DbError('migration-failed', 'cannot find prisma/migrations');
    dir = parent;
  }
}

/**
 * Applies every migration folder (prisma/migrations/<name>/migration.sql) not
 * yet recorded in "_drydock_migrations", in name order, each in its own
 * transaction. An advisory lock makes concurrent hub processes take turns.
 * Resolves to the names applied now.
 */
export async function migrate(client: pg.ClientBase, migrationsDir = defaultMigrationsDir()): Promise<string[]> {
  const names = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(migrationsDir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
  const applied: string[] = [];
  await client.query('SELECT pg_advisory_lock(70310001)');
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS "_drydock_migrations" (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM "_drydock_migrations"')).rows.map((r) => r.name));
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO "_drydock_migrations" (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new DbError('migration-failed', `migration ${name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(70310001)');
  }
  return applied;
}
