import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shortId, type Digest } from '../src/index.js';
import { ctx, sampleRootfs, streamOf, tempEngine, type TempEngine } from './helpers/fixtures.js';

let t: TempEngine;
let id: Digest;
beforeEach(async () => {
  t = tempEngine();
  id = await t.engine.importImage(ctx, streamOf(await sampleRootfs()), { source: '-', ref: 'one:1' });
});
afterEach(() => t.cleanup());

describe('image tag and rm (Docker daemon rules)', () => {
  it('tags by name, ID and ID prefix, normalizing names', () => {
    t.engine.tag(ctx, 'one:1', 'two');
    t.engine.tag(ctx, id, 'localhost:5000/three:x');
    t.engine.tag(ctx, id.slice(7, 19), 'docker.io/library/four:y');
    expect(t.engine.list()[0]!.repoTags.sort()).toEqual(['four:y', 'localhost:5000/three:x', 'one:1', 'two:latest']);
  });

  it('removing one of several tags only untags', () => {
    t.engine.tag(ctx, 'one:1', 'one:2');
    expect(t.engine.remove(ctx, 'one:2')).toEqual([{ untagged: 'one:2' }]);
    expect(t.engine.list()).toHaveLength(1);
  });

  it('removing the last tag deletes the image and its layer', () => {
    const layer = t.engine.images.layers(id)[0]!;
    const records = t.engine.remove(ctx, 'one:1');
    expect(records).toEqual([{ untagged: 'one:1' }, { deleted: id }, { deleted: layer.chainId }]);
    expect(t.engine.list()).toEqual([]);
    expect(t.engine.content.list()).toEqual([]);
    expect(t.leftovers()).toEqual([]);
  });

  it('refuses an ID referenced in several repositories, with Docker\'s message', () => {
    t.engine.tag(ctx, 'one:1', 'other:1');
    expect(() => t.engine.remove(ctx, shortId(id))).toThrow(
      `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`,
    );
    expect(t.engine.list()[0]!.repoTags.sort()).toEqual(['one:1', 'other:1']);
  });

  it('refuses an ID with two tags of one repository too', () => {
    t.engine.tag(ctx, 'one:1', 'one:2');
    expect(() => t.engine.remove(ctx, id)).toThrow(/must be forced/);
  });

  it('-f on an ID untags every name and deletes', () => {
    t.engine.tag(ctx, 'one:1', 'other:1');
    const records = t.engine.remove(ctx, id, { force: true });
    expect(records.slice(0, 3)).toEqual([{ untagged: 'one:1' }, { untagged: 'other:1' }, { deleted: id }]);
    expect(t.engine.list()).toEqual([]);
  });

  it('an ID with a single tag is untagged and deleted without -f', () => {
    expect(t.engine.remove(ctx, id).slice(0, 2)).toEqual([{ untagged: 'one:1' }, { deleted: id }]);
  });

  it('keeps a layer another image still uses', async () => {
    const other = await t.engine.importImage(ctx, streamOf(await sampleRootfs()), { source: '-', message: 'same rootfs', ref: 'two:1' });
    expect(t.engine.remove(ctx, 'one:1')).toEqual([{ untagged: 'one:1' }, { deleted: id }]);
    expect(t.engine.images.layers(other)).toHaveLength(1);
    expect(t.engine.content.has(t.engine.images.layers(other)[0]!.diffId)).toBe(true);
  });

  it.each([
    ['an unknown name', 'nope:1', 'No such image: nope:1'],
    ['an unknown ID prefix', 'abcdef012345', 'No such image: abcdef012345:latest'],
  ])('fails on %s', (_what, name, message) => {
    expect(() => t.engine.remove(ctx, name)).toThrow(message);
    expect(t.engine.list()).toHaveLength(1);
  });

  it('rejects invalid references with Docker\'s text', () => {
    expect(() => t.engine.tag(ctx, 'one:1', 'UPPER')).toThrow('invalid reference format: repository name (library/UPPER) must be lowercase');
    expect(() => t.engine.tag(ctx, 'one:1', 'a:b:c')).toThrow('invalid reference format');
  });

  it('prune deletes dangling images only; -a deletes all', async () => {
    const dangling = await t.engine.importImage(ctx, streamOf(await sampleRootfs('b')), { source: '-' });
    const pruned = t.engine.prune(ctx, {});
    expect(pruned.records.filter((r) => 'deleted' in r && r.deleted === dangling)).toHaveLength(1);
    expect(pruned.reclaimed).toBeGreaterThan(1000);
    expect(t.engine.list().map((i) => i.id)).toEqual([id]);
    const all = t.engine.prune(ctx, { all: true });
    expect(all.records[0]).toEqual({ untagged: 'one:1' });
    expect(t.engine.list()).toEqual([]);
  });

  it('journals who did what', () => {
    t.engine.tag(ctx, 'one:1', 'two:1');
    t.engine.remove(ctx, 'two:1');
    const actions = t.engine.journal.since(0).map((e) => [e.actor, e.action, e.target]);
    expect(actions).toEqual([
      ['test', 'image.import', 'one:1'],
      ['test', 'image.tag', 'two:1'],
      ['test', 'image.rm', 'two:1'],
    ]);
  });
});

describe('image history', () => {
  it('pairs non-empty entries with layers, newest first, and marks unknown images <missing>', async () => {
    const { sha256: hash } = await import('../src/index.js');
    const { tarOf } = await import('./helpers/fixtures.js');
    const layer1 = await tarOf([{ name: 'a', content: 'aaaa' }]);
    const layer2 = await tarOf([{ name: 'b', content: 'bbbbbbbb' }]);
    const config = {
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-02T00:00:00Z',
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
        { created: '2024-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
        { created: '2024-01-02T00:00:00Z', created_by: 'RUN /bin/sh -c echo b > /b # buildkit', comment: 'buildkit.dockerfile.v0' },
      ],
      rootfs: { type: 'layers', diff_ids: [hash(layer1), hash(layer2)] },
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const manifest = [{ Config: 'config.json', RepoTags: ['hist:1'], Layers: ['l1.tar', 'l2.tar'] }];
    const archive = await tarOf([
      { name: 'config.json', content: configBytes },
      { name: 'l1.tar', content: layer1 },
      { name: 'l2.tar', content: layer2 },
      { name: 'manifest.json', content: JSON.stringify(manifest) },
    ]);
    const [loaded] = await t.engine.load(ctx, streamOf(archive));
    expect(t.engine.history('hist:1')).toEqual([
      { id: loaded!.id, created: '2024-01-02T00:00:00Z', createdBy: 'RUN /bin/sh -c echo b > /b # buildkit', size: 8, comment: 'buildkit.dockerfile.v0', tags: ['hist:1'] },
      { id: '<missing>', created: '2024-01-01T00:00:01Z', createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', size: 0, comment: '', tags: [] },
      { id: '<missing>', created: '2024-01-01T00:00:00Z', createdBy: '/bin/sh -c #(nop) ADD file:abc in / ', size: 4, comment: '', tags: [] },
    ]);
  });
});
