import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox } from './helpers/cli.js';

const box = cliSandbox();
afterAll(() => box.cleanup());

/** Two processes tagging, importing and removing on one store at once leave it consistent. */
describe('one store, several processes', () => {
  it('stays consistent under concurrent import, tag and rm', async () => {
    expect(box.run(['import', busyboxTar, 'base:1']).status).toBe(0);
    const worker = async (name: string) => {
      const failures: string[] = [];
      for (let i = 0; i < 8; i++) {
        const steps = [
          ['import', '-m', `${name}-${i}`, busyboxTar, `${name}:${i}`],
          ['tag', 'base:1', `${name}-tag:${i}`],
          ['rmi', `${name}-tag:${i}`],
          ['rmi', `${name}:${i}`],
        ];
        for (const args of steps) {
          const r = await box.spawn(args);
          if (r.status !== 0) failures.push(`${args.join(' ')}: ${r.stderr}`);
        }
      }
      return failures;
    };
    const results = await Promise.all([worker('alpha'), worker('beta'), worker('gamma')]);
    expect(results.flat()).toEqual([]);

    const db = new Database(join(box.env.DRYDOCK_ROOT, 'drydock.db'), { readonly: true });
    try {
      const images = db.prepare('SELECT id FROM images').all() as { id: string }[];
      const layers = db.prepare('SELECT diff_id FROM layers').all() as { diff_id: string }[];
      const blob = (d: string) => join(box.env.DRYDOCK_ROOT, 'blobs', ...d.split(':'));
      expect(images).toHaveLength(1);
      for (const { id } of images) expect(existsSync(blob(id))).toBe(true);
      for (const { diff_id } of layers) expect(existsSync(blob(diff_id))).toBe(true);
      expect(db.prepare('SELECT name FROM refs').all()).toEqual([{ name: 'docker.io/library/base:1' }]);
      expect(db.prepare('SELECT COUNT(*) AS n FROM image_layers WHERE diff_id NOT IN (SELECT diff_id FROM layers)').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(box.run(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout).toBe('base:1\n');
  }, 180_000);
});
