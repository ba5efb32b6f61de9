import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { sha256 } from '../src/index.js';
import { ctx, sampleRootfs, streamOf, tarOf, tempEngine, type TempEngine } from './helpers/fixtures.js';

let t: TempEngine;
beforeEach(() => {
  t = tempEngine();
});
afterEach(() => t.cleanup());

function compress(tool: string, data: Buffer): Buffer {
  return execFileSync(tool, ['-c'], { input: data, maxBuffer: 1 << 26 });
}

describe('image import', () => {
  it('stores the tar byte for byte as the layer and writes a Docker-shaped config', async () => {
    const rootfs = await sampleRootfs();
    const id = await t.engine.importImage(ctx, streamOf(rootfs), { source: '-', ref: 'example/app:1' });
    const inspect = t.engine.inspect('example/app:1') as Record<string, any>;
    expect(inspect.Id).toBe(id);
    expect(inspect.RootFS.Layers).toEqual([sha256(rootfs)]);
    expect(inspect.RepoTags).toEqual(['example/app:1']);
    expect(inspect.Comment).toBe('Imported from -');
    expect(inspect.Os).toBe('linux');
    // Docker counts file bytes plus symlink target lengths.
    expect(inspect.Size).toBe('host-a\n'.length + 1000 + 'tool'.length);
    const config = t.engine.images.config(id);
    expect(sha256(t.engine.content.read(id))).toBe(id);
    expect(config.history).toEqual([{ created: config.created, comment: 'Imported from -' }]);
    expect(Object.keys(JSON.parse(t.engine.content.read(id).toString()))).toEqual(['architecture', 'comment', 'config', 'created', 'history', 'os', 'rootfs']);
  });

  it('uses the message as comment and history entry', async () => {
    const id = await t.engine.importImage(ctx, streamOf(await sampleRootfs()), { source: '-', message: 'base v2' });
    expect(t.engine.history(id).map((h) => h.comment)).toEqual(['base v2']);
  });

  it.each([
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['bzip2', (b: Buffer) => compress('bzip2', b)],
    ['xz', (b: Buffer) => compress('xz', b)],
    ['zstd', (b: Buffer) => compress('zstd', b)],
  ])('decompresses %s input to the same layer', async (_name, pack) => {
    const rootfs = await sampleRootfs();
    const id = await t.engine.importImage(ctx, streamOf(pack(rootfs)), { source: '-' });
    expect(t.engine.images.layers(id).map((l) => l.diffId)).toEqual([sha256(rootfs)]);
  });

  it('shares one layer blob between two images of the same rootfs', async () => {
    const rootfs = await sampleRootfs();
    const a = await t.engine.importImage(ctx, streamOf(rootfs), { source: '-', message: 'a' });
    const b = await t.engine.importImage(ctx, streamOf(rootfs), { source: '-', message: 'b' });
    expect(a).not.toBe(b);
    expect(t.engine.content.list().filter((d) => d === sha256(rootfs))).toHaveLength(1);
    expect(t.leftovers()).toEqual([]);
  });

  const hostile: [string, () => Promise<Buffer>, RegExp][] = [
    ['a ../ path', () => tarOf([{ name: '../evil', content: 'x' }]), /escapes the root/],
    ['a nested ../ path', () => tarOf([{ name: 'a/../../evil', content: 'x' }]), /escapes the root/],
    ['an absolute path', () => tarOf([{ name: '/etc/passwd', content: 'x' }]), /escapes the root/],
    ['a hard link out of the root', () => tarOf([{ name: 'l', type: 'link', linkname: '../../etc/shadow' }]), /hard link escapes/],
    ['a file beneath a symlink', () => tarOf([{ name: 'out', type: 'symlink', linkname: '/etc' }, { name: 'out/cron', content: 'x' }]), /beneath a symlink/],
    ['a truncated tar', async () => (await sampleRootfs()).subarray(0, 700), /truncated|invalid rootfs tar/],
    ['garbage', async () => Buffer.alloc(4096, 'garbage!'), /invalid rootfs tar/],
    ['an empty input', async () => Buffer.alloc(0), /invalid rootfs tar/],
    ['a corrupt gzip stream', async () => gzipSync(await sampleRootfs()).subarray(0, 60), /gzip|truncated|invalid/],
  ];
  it.each(hostile)('rejects %s and leaves the store unchanged', async (_name, make, message) => {
    const before = t.engine.content.list();
    await expect(t.engine.importImage(ctx, streamOf(await make()), { source: '-', ref: 'bad:1' })).rejects.toMatchObject({ code: 'invalid-archive', message: expect.stringMatching(message) });
    expect(t.engine.list()).toEqual([]);
    expect(t.engine.content.list()).toEqual(before);
    expect(t.leftovers()).toEqual([]);
  });

  it('rejects an invalid target name before reading anything', async () => {
    await expect(t.engine.importImage(ctx, streamOf(await sampleRootfs()), { source: '-', ref: 'Bad/Name' })).rejects.toMatchObject({ code: 'invalid-reference' });
    expect(t.engine.content.list()).toEqual([]);
  });
});
