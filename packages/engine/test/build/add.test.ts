import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFromDirectory } from '../../src/build/context/context.js';
import { copyInto, type CopyOptions } from '../../src/build/copy/copy.js';
import { isArchiveFile } from '../../src/build/copy/archive.js';
import { isDrydockError } from '../../src/errors.js';
import { buildTar } from '../snapshot/helpers.js';
import { sha, tempBase, rejection } from './helpers.js';

const tmp = tempBase('add');
const TAR = buildTar([
  { name: './', type: 'directory', mode: 0o700, uid: 1000, gid: 1000 },
  { name: 'pkg/', type: 'directory', mode: 0o750 },
  { name: 'pkg/bin', body: '#!/bin/sh\n', mode: 0o4755, uid: 1000, gid: 1000 },
  { name: 'pkg/link', type: 'symlink', linkname: '/etc/passwd' },
  { name: 'pkg/hard', type: 'link', linkname: 'pkg/bin' },
]);
const COMPRESS: Record<string, (b: Buffer) => Buffer> = {
  tar: (b) => b,
  gzip: (b) => gzipSync(b),
  bzip2: (b) => spawnSync('bzip2', ['-c'], { input: b }).stdout,
  xz: (b) => spawnSync('xz', ['-c'], { input: b }).stdout,
  zstd: (b) => spawnSync('zstd', ['-c', '-q'], { input: b }).stdout,
};

let server: Server;
let base: string;
const served: Record<string, { body: Buffer; headers?: Record<string, string>; status?: number }> = {};
beforeAll(async () => {
  server = createServer((req, res) => {
    const item = served[req.url ?? ''];
    if (!item) {
      res.writeHead(404).end('no');
      return;
    }
    res.writeHead(item.status ?? 200, item.headers ?? {}).end(item.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});

function setup(files: Record<string, Buffer | string>) {
  const dir = tmp.sub('case');
  const ctxDir = join(dir, 'ctx');
  const root = join(dir, 'root');
  mkdirSync(ctxDir);
  mkdirSync(root);
  writeFileSync(join(ctxDir, 'Dockerfile'), 'FROM scratch\n');
  for (const [name, body] of Object.entries(files)) writeFileSync(join(ctxDir, name), body);
  const ctx = contextFromDirectory(ctxDir);
  const add = (sources: CopyOptions['sources'], dest: string, more: Partial<CopyOptions> = {}) => copyInto(root, { from: ctx, sources, dest, add: true, ...more });
  return { root, ctxDir, ctx, add };
}


describe('ADD local archives', () => {
  it.each(Object.keys(COMPRESS))('extracts a %s archive into the destination', async (kind) => {
    const t = setup({ 'a.archive': COMPRESS[kind]!(TAR) });
    expect(isArchiveFile(join(t.ctxDir, 'a.archive'))).toBe(true);
    const res = await t.add(['a.archive'], '/opt/x');
    expect(res.archives).toBe(1);
    const bin = lstatSync(join(t.root, 'opt/x/pkg/bin'));
    expect(bin.mode & 0o7777).toBe(0o4755);
    expect([bin.uid, bin.gid]).toEqual([1000, 1000]); // owners from the archive
    expect(lstatSync(join(t.root, 'opt/x/pkg/hard')).ino).toBe(bin.ino);
    expect(lstatSync(join(t.root, 'opt/x/pkg/link')).isSymbolicLink()).toBe(true);
    const dest = lstatSync(join(t.root, 'opt/x'));
    expect(dest.mode & 0o7777).toBe(0o755); // the archive's ./ entry leaves the destination alone
    expect(dest.uid).toBe(0);
  });

  it('owns extracted entries with --chown, keeping setuid', async () => {
    const t = setup({ 'a.tgz': gzipSync(TAR) });
    await t.add(['a.tgz'], '/x/', { chown: '7:8' });
    for (const p of ['x', 'x/pkg', 'x/pkg/bin', 'x/pkg/link']) expect([lstatSync(join(t.root, p)).uid, lstatSync(join(t.root, p)).gid]).toEqual([7, 8]);
    expect(statSync(join(t.root, 'x/pkg/bin')).mode & 0o7777).toBe(0o4755);
  });

  it('copies files that only look like archives, and leaves COPY alone', async () => {
    const t = setup({ 'notes.txt.gz': gzipSync('just text\n'), 'fake.tar': 'not a tar', 'real.tar': TAR });
    await t.add(['notes.txt.gz', 'fake.tar'], '/d/');
    expect(readFileSync(join(t.root, 'd/notes.txt.gz'))).toEqual(gzipSync('just text\n'));
    expect(readFileSync(join(t.root, 'd/fake.tar'), 'utf8')).toBe('not a tar');
    await copyInto(t.root, { from: t.ctx, sources: ['real.tar'], dest: '/c/' });
    expect(readdirSync(join(t.root, 'c'))).toEqual(['real.tar']);
  });

  it("reads member names as Docker's Untar does: absolute names land inside, climbing out is refused", async () => {
    const t = setup({
      'abs.tar': buildTar([
        { name: '/abs.txt', body: 'abs' },
        { name: 'a/../b.txt', body: 'b' },
        { name: '/hard', type: 'link', linkname: '/abs.txt' },
      ]),
      'up.tar': buildTar([{ name: 'a/../../up.txt', body: 'up' }]),
    });
    await t.add(['abs.tar'], '/x/');
    expect(readFileSync(join(t.root, 'x/abs.txt'), 'utf8')).toBe('abs');
    expect(readFileSync(join(t.root, 'x/b.txt'), 'utf8')).toBe('b');
    expect(statSync(join(t.root, 'x/hard')).ino).toBe(statSync(join(t.root, 'x/abs.txt')).ino);
    const err = await rejection(t.add(['up.tar'], '/y/'));
    expect(isDrydockError(err, 'invalid-archive')).toBe(true);
    expect((err as Error).message).toBe('invalid archive: path escapes the root: "a/../../up.txt"');
  });

  it('refuses whiteout entries instead of deleting files', async () => {
    const t = setup({ 'wh.tar': buildTar([{ name: 'a/.wh.b', body: '' }]) });
    mkdirSync(join(t.root, 'a'));
    writeFileSync(join(t.root, 'a/b'), 'keep');
    const err = await rejection(t.add(['wh.tar'], '/'));
    expect(isDrydockError(err, 'unsupported')).toBe(true);
    expect(readFileSync(join(t.root, 'a/b'), 'utf8')).toBe('keep');
  });
});

describe('ADD URLs', () => {
  const body = Buffer.from('remote content\n');
  beforeAll(() => {
    served['/files/tool.sh'] = { body, headers: { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' } };
    served['/archive.tar.gz'] = { body: gzipSync(TAR) };
    served['/'] = { body };
  });

  it('fetches a file 0600 with Last-Modified as mtime', async () => {
    const t = setup({});
    const res = await t.add([`${base}/files/tool.sh`], '/usr/local/bin/');
    const st = lstatSync(join(t.root, 'usr/local/bin/tool.sh'));
    expect(readFileSync(join(t.root, 'usr/local/bin/tool.sh'))).toEqual(body);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(st.mtimeMs).toBe(Date.parse('2015-10-21T07:28:00Z'));
    expect(res.downloads).toEqual([{ url: `${base}/files/tool.sh`, digest: `sha256:${sha(body)}` }]);
    await t.add([`${base}/files/tool.sh`], '/renamed', { chmod: '755', chown: '1:2' });
    const r = lstatSync(join(t.root, 'renamed'));
    expect([r.mode & 0o7777, r.uid, r.gid]).toEqual([0o755, 1, 2]);
    await t.add([`${base}/`], '/named/');
    expect(readdirSync(join(t.root, 'named'))).toEqual(['__unnamed__']);
  });

  it('verifies --checksum', async () => {
    const t = setup({});
    await t.add([`${base}/files/tool.sh`], '/ok', { checksum: `sha256:${sha(body)}` });
    expect(readFileSync(join(t.root, 'ok'))).toEqual(body);
    const wrong = `sha256:${sha('other')}`;
    const err = await rejection(t.add([`${base}/files/tool.sh`], '/bad', { checksum: wrong }));
    expect(isDrydockError(err, 'digest-mismatch')).toBe(true);
    expect(err.message).toBe(`digest mismatch for ${base}/files/tool.sh: sha256:${sha(body)} (expected: ${wrong})`);
    expect(readdirSync(t.root).sort()).toEqual(['ok']); // nothing left behind
    await expect(t.add([`${base}/files/tool.sh`], '/x', { checksum: 'sha256:zz' })).rejects.toThrow('invalid checksum digest format');
    await expect(t.add(['local', `${base}/files/tool.sh`], '/x/', { checksum: wrong })).rejects.toThrow("checksum can't be specified for multiple sources");
    await expect(copyInto(t.root, { from: t.ctx, sources: [`${base}/files/tool.sh`], dest: '/x', checksum: wrong })).rejects.toThrow("checksum can't be specified for COPY");
  });

  it('never extracts a remote archive; COPY refuses URLs; 404 is not-found', async () => {
    const t = setup({});
    await t.add([`${base}/archive.tar.gz`], '/dl/');
    expect(readdirSync(join(t.root, 'dl'))).toEqual(['archive.tar.gz']);
    await expect(copyInto(t.root, { from: t.ctx, sources: [`${base}/archive.tar.gz`], dest: '/x' })).rejects.toThrow("source can't be a URL for COPY");
    const err = await rejection(t.add([`${base}/missing`], '/m'));
    expect(isDrydockError(err, 'not-found')).toBe(true);
    expect(err.message).toContain('invalid response status 404');
  });
});

describe('heredoc sources', () => {
  it('writes inline files 0644 (or --chmod) to a file or into a directory', async () => {
    const t = setup({});
    const now = new Date('2024-01-02T03:04:05Z');
    await copyInto(t.root, { from: t.ctx, sources: [{ name: 'EOF', content: 'hello\n' }], dest: '/etc/motd', now });
    await copyInto(t.root, { from: t.ctx, sources: [{ name: 'run.sh', content: '#!/bin/sh\n' }, { name: 'b', content: 'b' }], dest: '/app/', chmod: '755' });
    const motd = lstatSync(join(t.root, 'etc/motd'));
    expect(readFileSync(join(t.root, 'etc/motd'), 'utf8')).toBe('hello\n');
    expect([motd.mode & 0o7777, motd.uid, motd.mtimeMs]).toEqual([0o644, 0, now.getTime()]);
    expect(readdirSync(join(t.root, 'app')).sort()).toEqual(['b', 'run.sh']);
    expect(statSync(join(t.root, 'app/run.sh')).mode & 0o7777).toBe(0o755);
  });
});
