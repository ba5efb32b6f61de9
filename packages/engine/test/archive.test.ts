import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tar from 'tar-stream';
import { sha256, type Digest } from '../src/index.js';
import { ctx, sampleRootfs, streamOf, tarOf, tempEngine, type TempEngine } from './helpers/fixtures.js';

let a: TempEngine;
let b: TempEngine;
beforeEach(() => {
  a = tempEngine();
  b = tempEngine();
});
afterEach(() => {
  a.cleanup();
  b.cleanup();
});

async function save(t: TempEngine, names: string[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await t.engine.save(ctx, names, out);
  return Buffer.concat(chunks);
}

/** Members of a tar archive, by name. */
async function members(archive: Buffer): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(archive);
  await done;
  return files;
}

async function rewrite(archive: Buffer, edit: (files: Map<string, Buffer>) => void): Promise<Buffer> {
  const files = await members(archive);
  edit(files);
  return tarOf([...files].filter(([n]) => !n.endsWith('/')).map(([name, content]) => ({ name, content })));
}

describe('image save and load', () => {
  let id: Digest;
  beforeEach(async () => {
    id = await a.engine.importImage(ctx, streamOf(await sampleRootfs()), { source: '-', ref: 'app:1' });
    a.engine.tag(ctx, 'app:1', 'registry.local:5000/team/app:2');
  });

  it('writes Docker 20.10 and OCI layout members in one archive', async () => {
    const files = await members(await save(a, ['app:1']));
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toEqual([{ Config: `blobs/sha256/${id.slice(7)}`, RepoTags: ['app:1'], Layers: [expect.stringMatching(/^blobs\/sha256\/[a-f0-9]{64}$/)] }]);
    expect(JSON.parse(files.get('oci-layout')!.toString())).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(files.get('index.json')!.toString());
    expect(index.manifests[0].annotations).toEqual({ 'io.containerd.image.name': 'docker.io/library/app:1', 'org.opencontainers.image.ref.name': '1' });
    for (const [name, content] of files) {
      const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
      if (m) expect(sha256(content)).toBe(`sha256:${m[1]}`);
    }
    expect(JSON.parse(files.get('repositories')!.toString())).toHaveProperty('app');
  });

  it('round-trips images, names and IDs into another store', async () => {
    const loaded = await b.engine.load(ctx, streamOf(await save(a, ['app:1', 'registry.local:5000/team/app:2'])));
    expect(loaded).toEqual([{ id, tags: ['app:1', 'registry.local:5000/team/app:2'], replaced: [] }]);
    expect(b.engine.inspect('app:1')).toEqual({ ...a.engine.inspect('app:1'), Metadata: expect.anything() });
    expect(b.leftovers()).toEqual([]);
  });

  it('loads an archive compressed as a whole (gzip, xz), as docker load does', async () => {
    const { gzipSync } = await import('node:zlib');
    const plain = await save(a, ['app:1']);
    const xz = execFileSync('xz', ['-c'], { input: plain, maxBuffer: 1 << 28 });
    for (const packed of [gzipSync(plain), xz]) {
      expect(await b.engine.load(ctx, streamOf(packed))).toEqual([{ id, tags: ['app:1'], replaced: [] }]);
      expect(b.leftovers()).toEqual([]);
    }
  });

  it('saves every tag of a repository named without a tag, and untagged by ID', async () => {
    a.engine.tag(ctx, 'app:1', 'app:3');
    const byRepo = JSON.parse((await members(await save(a, ['app']))).get('manifest.json')!.toString());
    expect(byRepo[0].RepoTags.sort()).toEqual(['app:1', 'app:3']);
    const byId = await b.engine.load(ctx, streamOf(await save(a, [id])));
    expect(byId).toEqual([{ id, tags: [], replaced: [] }]);
  });

  it('reports a name that moves to the loaded image', async () => {
    await b.engine.importImage(ctx, streamOf(await sampleRootfs('z')), { source: '-', ref: 'app:1' });
    const previous = b.engine.resolve('app:1');
    const [loaded] = await b.engine.load(ctx, streamOf(await save(a, ['app:1'])));
    expect(loaded!.replaced).toEqual([{ tag: 'app:1', previous }]);
    expect(b.engine.resolve('app:1')).toBe(id);
  });

  it('loads an OCI layout archive without manifest.json, naming it from annotations', async () => {
    const oci = await rewrite(await save(a, ['app:1']), (f) => f.delete('manifest.json'));
    expect(await b.engine.load(ctx, streamOf(oci))).toEqual([{ id, tags: ['app:1'], replaced: [] }]);
  });

  it('loads gzip-compressed OCI layers, verifying their diff IDs', async () => {
    const { gzipSync } = await import('node:zlib');
    const oci = await rewrite(await save(a, ['app:1']), (f) => {
      f.delete('manifest.json');
      const index = JSON.parse(f.get('index.json')!.toString());
      const mPath = `blobs/${index.manifests[0].digest.replace(':', '/')}`;
      const manifest = JSON.parse(f.get(mPath)!.toString());
      const layerPath = `blobs/${manifest.layers[0].digest.replace(':', '/')}`;
      const gz = gzipSync(f.get(layerPath)!);
      f.set(`blobs/${sha256(gz).replace(':', '/')}`, gz);
      manifest.layers[0] = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(gz), size: gz.length };
      const mBytes = Buffer.from(JSON.stringify(manifest));
      f.set(`blobs/${sha256(mBytes).replace(':', '/')}`, mBytes);
      index.manifests[0] = { ...index.manifests[0], digest: sha256(mBytes), size: mBytes.length };
      f.set('index.json', Buffer.from(JSON.stringify(index)));
    });
    expect((await b.engine.load(ctx, streamOf(oci)))[0]!.id).toBe(id);
  });

  const corruptions: [string, (files: Map<string, Buffer>, id: string) => void, RegExp][] = [
    ['a manifest.json pointing at a missing file', (f) => {
      const m = JSON.parse(f.get('manifest.json')!.toString());
      m[0].Layers[0] = 'blobs/sha256/' + '0'.repeat(64);
      f.set('manifest.json', Buffer.from(JSON.stringify(m)));
    }, /is missing/],
    ['a config whose digest does not match', (f, id) => {
      const path = `blobs/sha256/${id.slice(7)}`;
      f.set(path, Buffer.from(f.get(path)!.toString().replace('Imported', 'Tampered')));
    }, /does not match its digest/],
    ['a layer that differs from the config', (f) => {
      const m = JSON.parse(f.get('manifest.json')!.toString());
      const other = Buffer.alloc(1024);
      f.set('other.tar', other);
      m[0].Layers[0] = 'other.tar';
      f.set('manifest.json', Buffer.from(JSON.stringify(m)));
    }, /layer digest mismatch|invalid/],
    ['manifest.json that is not JSON', (f) => f.set('manifest.json', Buffer.from('{nope')), /not valid JSON/],
    ['a path escaping the archive', (f) => {
      const m = JSON.parse(f.get('manifest.json')!.toString());
      m[0].Config = '../../../etc/passwd';
      f.set('manifest.json', Buffer.from(JSON.stringify(m)));
    }, /is missing/],
    ['no manifest at all', (f) => {
      f.delete('manifest.json');
      f.delete('index.json');
    }, /no manifest.json or index.json/],
  ];
  it.each(corruptions)('rejects %s and leaves the store unchanged', async (_name, edit, message) => {
    const bad = await rewrite(await save(a, ['app:1']), (f) => edit(f, id));
    await expect(b.engine.load(ctx, streamOf(bad))).rejects.toThrow(message);
    expect(b.engine.list()).toEqual([]);
    expect(b.engine.content.list()).toEqual([]);
    expect(b.leftovers()).toEqual([]);
  });

  it('rejects a truncated archive and a member escaping with ../', async () => {
    const archive = await save(a, ['app:1']);
    await expect(b.engine.load(ctx, streamOf(archive.subarray(0, archive.length - 3000)))).rejects.toMatchObject({ code: 'invalid-archive' });
    const evil = await tarOf([{ name: '../../escape', content: 'x' }]);
    await expect(b.engine.load(ctx, streamOf(evil))).rejects.toThrow(/escapes the archive/);
    expect(b.engine.content.list()).toEqual([]);
    expect(b.leftovers()).toEqual([]);
  });

  it('rejects a layer with hostile paths even when digests match', async () => {
    const evilLayer = await tarOf([{ name: '../../etc/cron.d/x', content: 'boom' }]);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(evilLayer)] } }));
    const archive = await tarOf([
      { name: `${sha256(config).slice(7)}.json`, content: config },
      { name: 'layer/layer.tar', content: evilLayer },
      { name: 'manifest.json', content: JSON.stringify([{ Config: `${sha256(config).slice(7)}.json`, RepoTags: ['evil:1'], Layers: ['layer/layer.tar'] }]) },
    ]);
    await expect(b.engine.load(ctx, streamOf(archive))).rejects.toThrow(/escapes the root/);
    expect(b.engine.list()).toEqual([]);
  });

  it('streams a file-backed archive', async () => {
    const path = join(a.root, 'tmp', 'x.tar');
    writeFileSync(path, await save(a, ['app:1']));
    expect((await b.engine.load(ctx, createReadStream(path)))[0]!.id).toBe(id);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});
