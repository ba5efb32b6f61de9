import { chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextFromDirectory } from '../../src/build/context/context.js';
import { rootfsTree } from '../../src/build/context/tree.js';
import { copyInto, type CopyOptions } from '../../src/build/copy/copy.js';
import { isDrydockError } from '../../src/errors.js';
import { describe as listing, makeTree, tempBase, type Spec, rejection } from './helpers.js';

const tmp = tempBase('copy');
afterAll(() => tmp.cleanup());

const MTIME = 1_600_000_000;

/** A context (files get MTIME) and an empty rootfs beside an `outside` dir that must stay untouched. */
function setup(spec: Spec, rootSpec: Spec = {}) {
  const dir = tmp.sub('case');
  const ctxDir = join(dir, 'ctx');
  const root = join(dir, 'root');
  const outside = join(dir, 'outside');
  for (const d of [ctxDir, root, outside]) mkdirSync(d);
  writeFileSync(join(outside, 'sentinel'), 'untouched');
  makeTree(ctxDir, { Dockerfile: 'FROM scratch\n', ...spec });
  for (const name of Object.keys(spec)) {
    const v = spec[name];
    if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && v.symlink !== undefined) continue;
    utimesSync(join(ctxDir, name), MTIME, MTIME);
  }
  makeTree(root, rootSpec);
  const ctx = contextFromDirectory(ctxDir);
  const run = (sources: CopyOptions['sources'], dest: string, more: Partial<CopyOptions> = {}) => copyInto(root, { from: ctx, sources, dest, ...more });
  const outsideUntouched = () => {
    expect(readdirSync(outside)).toEqual(['sentinel']);
    expect(readFileSync(join(outside, 'sentinel'), 'utf8')).toBe('untouched');
  };
  return { dir, ctxDir, root, outside, ctx, run, outsideUntouched, read: (p: string) => readFileSync(join(root, p), 'utf8') };
}


describe('COPY sources and destinations', () => {
  it('copies a file to a file path and into a directory', async () => {
    const t = setup({ 'a.txt': { content: 'A', mode: 0o640 } }, { 'existing/': null });
    await t.run(['a.txt'], '/b.txt');
    await t.run(['a.txt'], '/dir/');
    await t.run(['a.txt'], '/existing');
    expect(t.read('b.txt')).toBe('A');
    expect(t.read('dir/a.txt')).toBe('A');
    expect(t.read('existing/a.txt')).toBe('A');
    const st = lstatSync(join(t.root, 'b.txt'));
    expect(st.mode & 0o7777).toBe(0o640);
    expect(Math.floor(st.mtimeMs / 1000)).toBe(MTIME); // COPY keeps mtimes
    expect([st.uid, st.gid]).toEqual([0, 0]);
    expect(statSync(join(t.root, 'dir')).mode & 0o7777).toBe(0o755);
  });

  it('copies a directory\'s contents, merging into an existing directory', async () => {
    const t = setup({ 'src/a': 'a', 'src/sub/b': { content: 'b', mode: 0o600 }, 'src/link': { symlink: 'sub/b' }, 'src/sub/': { dir: true, mode: 0o750 } }, { 'dst/old': 'old', 'dst/sub/': null });
    await t.run(['src'], '/dst');
    expect(listing(join(t.root, 'dst'))).toMatchObject({
      '/a': { type: 'file' },
      '/link': { type: 'symlink', data: 'sub/b' },
      '/old': { type: 'file' },
      '/sub': { type: 'dir', mode: 0o750 },
      '/sub/b': { type: 'file', mode: 0o600 },
    });
    utimesSync(join(t.ctxDir, 'src'), MTIME, MTIME);
    await t.run(['src/'], '/fresh');
    expect(readdirSync(join(t.root, 'fresh')).sort()).toEqual(['a', 'link', 'sub']);
    const top = lstatSync(join(t.root, 'fresh'));
    expect(top.mode & 0o7777).toBe(0o755); // the top-level directory is created 0755 ...
    expect(Math.floor(top.mtimeMs / 1000)).toBe(MTIME); // ... and takes the source directory's times
  });

  it('expands wildcards and copies several sources into a directory', async () => {
    const t = setup({ 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', 'docs/x.txt': 'x' });
    await t.run(['*.txt', 'c.md'], '/out/');
    expect(readdirSync(join(t.root, 'out')).sort()).toEqual(['a.txt', 'b.txt', 'c.md']);
    const res = await t.run(['*.none'], '/empty/');
    expect(res.files).toBe(0);
    await t.run(['*/*.txt'], '/deep/');
    expect(readdirSync(join(t.root, 'deep'))).toEqual(['x.txt']);
  });

  it('requires a directory destination for several sources', async () => {
    const t = setup({ 'a.txt': 'a', 'b.txt': 'b' }, { 'exists/': null });
    const err = await rejection(t.run(['a.txt', 'b.txt'], '/file'));
    expect(isDrydockError(err, 'invalid-argument')).toBe(true);
    expect(err.message).toBe('When using COPY with more than one source file, the destination must be a directory and end with a /');
    await rejection(t.run(['*.txt'], '/file'));
    await t.run(['a.txt', 'b.txt'], '/exists'); // an existing directory is fine, as in BuildKit
    expect(readdirSync(join(t.root, 'exists')).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('resolves a relative destination against the WORKDIR', async () => {
    const t = setup({ 'a.txt': 'a' });
    await t.run(['a.txt'], '.', { workdir: '/app' });
    await t.run(['a.txt'], 'sub/b.txt', { workdir: '/app' });
    await t.run(['a.txt'], '../up.txt', { workdir: '/app/x' });
    await t.run(['a.txt'], 'dotted/.', { workdir: '/app' }); // `/.` marks a directory too
    expect(t.read('app/a.txt')).toBe('a');
    expect(t.read('app/sub/b.txt')).toBe('a');
    expect(t.read('app/up.txt')).toBe('a');
    expect(t.read('app/dotted/a.txt')).toBe('a');
  });

  it('follows a named symlink source and keeps its name', async () => {
    const t = setup({ 'real.txt': 'R', 'alias': { symlink: 'real.txt' }, 'dirlink': { symlink: 'd' }, 'd/f': 'f' });
    await t.run(['alias'], '/out/');
    await t.run(['dirlink'], '/dl');
    expect(lstatSync(join(t.root, 'out/alias')).isFile()).toBe(true);
    expect(t.read('out/alias')).toBe('R');
    expect(t.read('dl/f')).toBe('f');
  });

  it('copies only what .dockerignore leaves, exceptions included', async () => {
    const t = setup({ '.dockerignore': 'Dockerfile\n.dockerignore\nbuild\n!build/keep.txt\n**/*.log\n', 'build/keep.txt': 'k', 'build/out.o': 'o', 'src/a.js': 'a', 'src/x.log': 'x' });
    await t.run(['.'], '/');
    expect(Object.keys(listing(t.root))).toEqual(['/build', '/build/keep.txt', '/src', '/src/a.js']);
    await t.run(['build'], '/b');
    expect(readdirSync(join(t.root, 'b'))).toEqual(['keep.txt']);
  });

  it('reports a missing or ignored source like BuildKit', async () => {
    const t = setup({ '.dockerignore': 'secret\n', secret: 's' });
    for (const src of ['missing.txt', 'secret', '../secret']) {
      const err = await rejection(t.run([src], '/x'));
      expect(isDrydockError(err, 'not-found')).toBe(true);
      expect(err.message).toMatch(/^failed to compute cache key: "\/(missing\.txt|secret)": not found$/);
    }
  });

  it('preserves hard links within one source and replaces files, not directories', async () => {
    const t = setup({ 'h/a': 'same', 'f': 'new', 'tree/d': 'file' }, { 'dst/f': 'old', 'dst/d/': null });
    const { linkSync } = await import('node:fs');
    linkSync(join(t.ctxDir, 'h/a'), join(t.ctxDir, 'h/b'));
    await t.run(['h'], '/h');
    expect(statSync(join(t.root, 'h/a')).ino).toBe(statSync(join(t.root, 'h/b')).ino);
    await t.run(['f'], '/dst/f');
    expect(t.read('dst/f')).toBe('new');
    await t.run(['f'], '/dst/d'); // a file onto a directory goes inside it
    expect(t.read('dst/d/f')).toBe('new');
    const err = await rejection(t.run(['tree'], '/dst')); // tree/d is a file, /dst/d a directory
    expect(err.message).toBe('cannot replace to directory /dst/d with file');
  });
});

describe('COPY ownership and modes', () => {
  const etc: Spec = {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n',
    'etc/group': 'root:x:0:\nstaff:x:50:\napp:x:1001:\n',
  };

  it('--chown by names, ids and mixes, on files and created directories', async () => {
    const t = setup({ 'a': 'a', 'd/x': 'x' }, etc);
    await t.run(['a'], '/n/a', { chown: 'app' });
    await t.run(['a'], '/ng/a', { chown: 'app:staff' });
    await t.run(['a'], '/i/a', { chown: '1234' });
    await t.run(['a'], '/ig/a', { chown: '1234:50' });
    await t.run(['a'], '/unknown/a', { chown: 'nobody:nogroup' });
    await t.run(['d'], '/tree/', { chown: 'app' });
    const owner = (p: string) => {
      const st = lstatSync(join(t.root, p));
      return [st.uid, st.gid];
    };
    expect(owner('n/a')).toEqual([1000, 1001]);
    expect(owner('n')).toEqual([1000, 1001]); // created parents take the owner too
    expect(owner('ng/a')).toEqual([1000, 50]);
    expect(owner('i/a')).toEqual([1234, 1234]); // a numeric user is also the group (BuildKit)
    expect(owner('ig/a')).toEqual([1234, 50]);
    expect(owner('unknown/a')).toEqual([0, 0]); // unknown names are 0, silently (BuildKit)
    expect(owner('tree')).toEqual([1000, 1001]);
    expect(owner('tree/x')).toEqual([1000, 1001]);
  });

  it('--chmod sets files and directories; directories it creates stay 0755 (Docker 20.10)', async () => {
    const t = setup({ 'a': { content: 'a', mode: 0o600 }, 'd/x': 'x', 'd/s': { symlink: 'x' } });
    await t.run(['a'], '/m/a', { chmod: '4751' });
    await t.run(['d'], '/md', { chmod: '0700' });
    expect(statSync(join(t.root, 'm/a')).mode & 0o7777).toBe(0o4751);
    expect(statSync(join(t.root, 'm')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(t.root, 'md/x')).mode & 0o7777).toBe(0o700);
    expect(lstatSync(join(t.root, 'md/s')).isSymbolicLink()).toBe(true);
    for (const bad of ['64a', '10000', 'u+x']) {
      const err = await rejection(t.run(['a'], '/z', { chmod: bad }));
      expect(err.message).toBe(`invalid chmod parameter: '${bad}'. it should be octal string and between 0 and 07777`);
    }
  });

  it('COPY --from a rootfs keeps owners; from the context they are 0:0', async () => {
    const t = setup({ 'c': 'c' });
    const stage = join(t.dir, 'stage');
    makeTree(stage, { 'app/bin': { content: 'bin', mode: 0o755 }, 'app/data/': null });
    lchownSync(join(stage, 'app/bin'), 1000, 1000);
    lchownSync(join(stage, 'app/data'), 33, 33);
    lchownSync(join(t.ctxDir, 'c'), 1000, 1000);
    await copyInto(t.root, { from: rootfsTree(stage), sources: ['/app'], dest: '/app' });
    await t.run(['c'], '/c');
    expect(lstatSync(join(t.root, 'app/bin')).uid).toBe(1000);
    expect(lstatSync(join(t.root, 'app/data')).gid).toBe(33);
    expect(lstatSync(join(t.root, 'app')).uid).toBe(0);
    expect(lstatSync(join(t.root, 'c')).uid).toBe(0);
  });
});

describe('COPY --from keeps file capabilities', () => {
  const tools = spawnSync('setfattr', ['--version']).status === 0;
  it('carries security.capability over (set after the chown that would clear it)', async () => {
    expect(tools, "setfattr (Debian's attr package) is needed").toBe(true);
    const t = setup({});
    const stage = join(t.dir, 'stage');
    makeTree(stage, { 'bin/ping': { content: 'elf', mode: 0o755 }, 'bin/plain': 'x' });
    const cap = '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=';
    expect(spawnSync('setfattr', ['-n', 'security.capability', '-v', cap, join(stage, 'bin/ping')]).status).toBe(0);
    await copyInto(t.root, { from: rootfsTree(stage), sources: ['/bin'], dest: '/usr/bin/', chown: '5:5' });
    const got = spawnSync('getfattr', ['-n', 'security.capability', '-e', 'base64', join(t.root, 'usr/bin/ping')]);
    expect(got.stdout.toString()).toContain(`security.capability=${cap}`);
    expect(spawnSync('getfattr', ['-d', '-m', '-', join(t.root, 'usr/bin/plain')]).stdout.toString()).toBe('');
    expect(lstatSync(join(t.root, 'usr/bin/ping')).uid).toBe(5);
  });
});

describe('COPY stays inside the rootfs', () => {
  it('follows destination symlinks inside the root, never outside', async () => {
    const t = setup({ 'a.txt': 'a', 'tree/x': 'x' });
    symlinkSync(t.outside, join(t.root, 'abs')); // absolute: means <root><outside>
    symlinkSync('/host', join(t.root, 'etc')); // /etc -> /host
    symlinkSync('../../../../../../outside', join(t.root, 'rel'));
    symlinkSync(join(t.outside, 'sentinel'), join(t.root, 'file-link'));
    await t.run(['a.txt'], '/etc/passwd');
    await t.run(['a.txt'], '/abs/');
    await t.run(['a.txt'], '/rel/y');
    await t.run(['tree'], '/rel/');
    await t.run(['a.txt'], '/file-link');
    t.outsideUntouched();
    expect(t.read('host/passwd')).toBe('a');
    expect(t.read(join(t.outside.slice(1), 'a.txt'))).toBe('a');
    expect(t.read('outside/y')).toBe('a');
    expect(t.read('outside/x')).toBe('x');
    expect(readFileSync(join(t.root, t.outside.slice(1), 'sentinel'), 'utf8')).toBe('a'); // written through the link, inside the root
    expect(readlinkSync(join(t.root, 'etc'))).toBe('/host');
  });

  it('replaces a symlink below a copied directory instead of following it', async () => {
    const t = setup({ 'tree/f': 'new', 'tree/sub/g': 'g' });
    mkdirSync(join(t.root, 'dst'));
    symlinkSync(join(t.outside, 'sentinel'), join(t.root, 'dst/f'));
    symlinkSync(t.outside, join(t.root, 'dst/sub'));
    const err = await rejection(t.run(['tree'], '/dst'));
    expect(err.message).toContain('cannot copy to non-directory: /dst/sub'); // as fsutil
    t.outsideUntouched();
    expect(lstatSync(join(t.root, 'dst/f')).isFile()).toBe(true);
  });

  it('refuses paths through files', async () => {
    const t = setup({ 'a': 'a' }, { 'file': 'x' });
    const err = await rejection(t.run(['a'], '/file/sub/a'));
    expect(isDrydockError(err, 'invalid-argument')).toBe(true);
    expect(err.message).toBe('mkdir /file: not a directory');
    chmodSync(join(t.root, 'file'), 0o644);
  });
});
