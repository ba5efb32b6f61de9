import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@drydock/db';
import type { ImageSummary } from '@drydock/protocol';
import { listImages, replaceInventory } from '../src/services/inventory.js';

const image = (n: number, over: Partial<ImageSummary> = {}): ImageSummary => ({
  id: `sha256:${String(n).padStart(64, '0')}`,
  parentId: null,
  repoTags: [`app:${n}`],
  repoDigests: [],
  created: `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`,
  size: 1000 + n,
  labels: {},
  intermediate: false,
  ...over,
} as ImageSummary);

/** The inventory's image list (one SQL statement with the hosts joined) on the embedded database. */
describe('listImages', () => {
  let db: Database;
  let a: string;
  let b: string;

  beforeAll(async () => {
    db = await openDatabase({});
    a = (await db.prisma.host.create({ data: { name: 'alpha' } })).id;
    b = (await db.prisma.host.create({ data: { name: 'beta' } })).id;
    await replaceInventory(db.prisma, a, { images: [image(1), image(3), image(5, { intermediate: true, repoTags: [] })], containers: [] });
    await replaceInventory(db.prisma, b, { images: [image(2, { repoTags: ['team/x_y:1', 'team/x_y:latest'] }), image(4, { labels: { k: 'v' } })], containers: [] });
  });
  afterAll(async () => db?.close());

  it('lists every host’s images newest first with the host’s name, without intermediates unless asked', async () => {
    const all = await listImages(db.prisma, {});
    expect(all.map((i) => [i.host, i.repoTags[0]])).toEqual([['beta', 'app:4'], ['alpha', 'app:3'], ['beta', 'team/x_y:1'], ['alpha', 'app:1']]);
    expect(all[0]).toEqual({ hostId: b, host: 'beta', id: image(4).id, repoTags: ['app:4'], repoDigests: [], created: image(4).created, size: 1004, labels: { k: 'v' } });
    expect((await listImages(db.prisma, { all: true })).map((i) => i.size)).toEqual([1005, 1004, 1003, 1002, 1001]);
    expect((await listImages(db.prisma, { take: 2 })).map((i) => i.size)).toEqual([1004, 1003]);
  });

  it('narrows to one host and searches tags and ids, wildcards taken literally', async () => {
    expect((await listImages(db.prisma, { hostId: a })).map((i) => i.repoTags[0])).toEqual(['app:3', 'app:1']);
    expect((await listImages(db.prisma, { search: 'x_y:lat' })).map((i) => i.size)).toEqual([1002]);
    expect(await listImages(db.prisma, { search: 'x%y' })).toEqual([]);
    expect(await listImages(db.prisma, { search: 'app_3' })).toEqual([]);
    expect((await listImages(db.prisma, { search: '0004' })).map((i) => i.host)).toEqual(['beta']);
    expect((await listImages(db.prisma, { search: 'app', hostId: b })).map((i) => i.size)).toEqual([1004]);
  });
});
