import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { contextFromDirectory, contextFromDockerfile, contextFromStdin, contextFromTar } from '../../src/build/context/context.js';
import { expandWildcards } from '../../src/build/context/tree.js';
import { isDrydockError } from '../../src/errors.js';
import { buildTar } from '../snapshot/helpers.js';
import { makeTree, tempBase } from './helpers.js';

const tmp = tempBase('ctx');
afterAll(() => tmp.cleanup());

function ctxWith(spec: Parameters<typeof makeTree>[1], opts?: Parameters<typeof contextFromDirectory>[1]) {
  const dir = tmp.sub('ctx');
  makeTree(dir, { Dockerfile: 'FROM scratch\n', ...spec });
  return contextFromDirectory(dir, opts);
}

describe('directory contexts', () => {
  it('lists every file without a .dockerignore', () => {
    const ctx = ctxWith({ 'a.txt': 'a', 'src/main.go': 'x', 'src/lib/util.go': 'y' });
    expect(ctx.listFiles()).toEqual(['Dockerfile', 'a.txt', 'src', 'src/lib', 'src/lib/util.go', 'src/main.go']);
    expect(ctx.dockerfile.toString()).toBe('FROM scratch\n');
    expect(ctx.ignoreFile).toBeNull();
  });

  it('hides ignored files and directories, with ! exceptions and **', () => {
    const ctx = ctxWith({
      '.dockerignore': '# comment\n*.log\n**/*.tmp\nnode_modules\nbuild/\n!build/keep.txt\nsecret*\n!secret-public\n',
      'app.js': '1',
      'debug.log': '2',
      'deep/a/b/x.tmp': '3',
      'deep/a/b/y.js': '4',
      'node_modules/left-pad/index.js': '5',
      'build/out.o': '6',
      'build/keep.txt': '7',
      'secret.key': '8',
      'secret-public': '9',
      'sub/debug.log': '10',
    });
    expect(ctx.listFiles()).toEqual([
      '.dockerignore',
      'Dockerfile',
      'app.js',
      'build',
      'build/keep.txt',
      'deep',
      'deep/a',
      'deep/a/b',
      'deep/a/b/y.js',
      'secret-public',
      'sub',
      'sub/debug.log', // `*.log` is anchored at the root
    ]);
    expect(ctx.isIgnored('node_modules/left-pad')).toBe(true);
    expect(ctx.stat('debug.log')).toBeNull();
    expect(ctx.stat('build/out.o')).toBeNull();
    expect(ctx.stat('build')?.stat.isDirectory()).toBe(true);
  });

  it('keeps the Dockerfile and .dockerignore readable for the build even when ignored', () => {
    const ctx = ctxWith({ '.dockerignore': 'Dockerfile\n.dockerignore\n', 'a': 'a' });
    expect(ctx.dockerfile.toString()).toBe('FROM scratch\n');
    expect(ctx.ignorePatterns).toEqual(['Dockerfile', '.dockerignore']);
    expect(ctx.listFiles()).toEqual(['a']);
    expect(ctx.stat('Dockerfile')).toBeNull();
  });

  it('prefers <Dockerfile>.dockerignore beside a named Dockerfile', () => {
    const ctx = ctxWith(
      { '.dockerignore': 'a\n', 'build/app.Dockerfile': 'FROM busybox\n', 'build/app.Dockerfile.dockerignore': 'b\n', a: '1', b: '2' },
      { dockerfile: 'build/app.Dockerfile' },
    );
    expect(ctx.dockerfile.toString()).toBe('FROM busybox\n');
    expect(ctx.ignoreFile).toBe('app.Dockerfile.dockerignore');
    expect(ctx.stat('a')).not.toBeNull();
    expect(ctx.stat('b')).toBeNull();
  });

  it('takes a Dockerfile given as bytes (-f -) with the context .dockerignore', () => {
    const ctx = ctxWith({ '.dockerignore': 'a\n', a: '1' }, { dockerfile: { content: 'FROM alpine\n' } });
    expect(ctx.dockerfileName).toBe('-');
    expect(ctx.dockerfile.toString()).toBe('FROM alpine\n');
    expect(ctx.stat('a')).toBeNull();
  });

  it('falls back to a lowercase dockerfile and reports a missing one', () => {
    const dir = tmp.sub('lower');
    writeFileSync(join(dir, 'dockerfile'), 'FROM x\n');
    expect(contextFromDirectory(dir).dockerfile.toString()).toBe('FROM x\n');
    const empty = tmp.sub('none');
    expect(() => contextFromDirectory(empty)).toThrow('failed to read dockerfile: open Dockerfile: no such file or directory');
  });

  it('shows an excluded directory only for what an exception re-includes', () => {
    const ctx = ctxWith({ '.dockerignore': 'big\nother\n!other/deep/keep\n', 'big/f': 'x', 'other/a': '', 'other/deep/keep': '', 'other/deep/no': '', keep: 'y' });
    const seen: string[] = [];
    ctx.walk((e) => void seen.push(e.rel));
    expect(seen).toEqual(['.dockerignore', 'Dockerfile', 'keep', 'other', 'other/deep', 'other/deep/keep']);
    expect(ctx.listFiles('other')).toEqual(['other/deep', 'other/deep/keep']);
    expect(() => ctx.listFiles('big')).toThrow('not found');
  });

  it('reports a file name that is not valid UTF-8 instead of crashing', () => {
    const ctx = ctxWith({ ok: '' });
    writeFileSync(Buffer.concat([Buffer.from(`${ctx.root}/bad-`), Buffer.from([0xff])]), 'x');
    expect(() => ctx.listFiles()).toThrow('not valid UTF-8');
  });

  it('resolves symlinks inside the context only', () => {
    const ctx = ctxWith({ 'real/f.txt': 'f', link: { symlink: '/real' }, up: { symlink: '../../../../etc' }, '.dockerignore': 'hidden\n', hidden: 'h', tohidden: { symlink: 'hidden' } });
    expect(ctx.stat('link/f.txt')?.rel).toBe('real/f.txt');
    expect(ctx.stat('up/passwd')).toBeNull(); // `..` stops at the context root: /etc is not there
    expect(ctx.stat('tohidden')).toBeNull();
  });

  it('expands wildcards with Go filepath.Match rules, after .dockerignore', () => {
    const ctx = ctxWith({ '.dockerignore': 'b.txt\n', 'a.txt': '', 'b.txt': '', 'c.md': '', 'dir/x.txt': '', 'dir/sub/y.txt': '', 'd[1]/z': '' });
    const rels = (p: string) => expandWildcards(ctx, p).map((e) => e.rel);
    expect(rels('*.txt')).toEqual(['a.txt']);
    expect(rels('dir/*.txt')).toEqual(['dir/x.txt']);
    expect(rels('*/*.txt')).toEqual(['dir/x.txt']);
    expect(rels('d*')).toEqual(['d[1]', 'dir']);
    expect(rels('d\\[1]*/*')).toEqual(['d[1]/z']); // an escaped [ is literal
    expect(rels('d\\[1]/*')).toEqual([]); // a component without wildcards is taken verbatim, \\ included (fsutil)
    expect(rels('?.md')).toEqual(['c.md']);
    expect(rels('nomatch*')).toEqual([]);
    expect(rels('[')).toEqual([]);
  });
});

describe('tar contexts', () => {
  const entries = buildTar([
    { name: 'Dockerfile', body: 'FROM scratch\nCOPY . /\n' },
    { name: '.dockerignore', body: 'skip\n' },
    { name: 'app/', type: 'directory' },
    { name: 'app/main.sh', body: 'echo hi\n', mode: 0o755 },
    { name: 'skip', body: 'x' },
    { name: 'link', type: 'symlink', linkname: '/app/main.sh' },
  ]);

  it('extracts a plain tar; BuildKit applies no .dockerignore to it', async () => {
    const ctx = await contextFromTar(Readable.from([entries]), tmp.sub('tar'));
    expect(ctx.dockerfile.toString()).toContain('COPY . /');
    expect(ctx.listFiles()).toEqual(['.dockerignore', 'Dockerfile', 'app', 'app/main.sh', 'link', 'skip']);
    expect(ctx.stat('link')?.rel).toBe('app/main.sh');
  });

  it('applies the .dockerignore when asked', async () => {
    const ctx = await contextFromTar(Readable.from([entries]), tmp.sub('tar'), { dockerignore: true });
    expect(ctx.stat('skip')).toBeNull();
  });

  it.each(['gzip', 'bzip2', 'xz', 'zstd'])('extracts a %s-compressed tar', async (tool) => {
    const packed = tool === 'gzip' ? gzipSync(entries) : spawnSync(tool, ['-c'], { input: entries }).stdout;
    const ctx = await contextFromStdin(Readable.from([packed]), tmp.sub(tool));
    expect(ctx.listFiles()).toContain('app/main.sh');
  });

  it('finds the Dockerfile elsewhere in the archive', async () => {
    const tar = buildTar([{ name: 'docker/Dockerfile.prod', body: 'FROM prod\n' }]);
    const ctx = await contextFromTar(Readable.from([tar]), tmp.sub('tar'), { dockerfile: 'docker/Dockerfile.prod' });
    expect(ctx.dockerfile.toString()).toBe('FROM prod\n');
    await expect(contextFromTar(Readable.from([tar]), tmp.sub('tar'))).rejects.toThrow('failed to read dockerfile');
  });

  it('treats stdin that is not an archive as the Dockerfile', async () => {
    const ctx = await contextFromStdin(Readable.from([Buffer.from('FROM alpine\nRUN true\n')]), tmp.sub('stdin'));
    expect(ctx.root).toBeNull();
    expect(ctx.dockerfile.toString()).toBe('FROM alpine\nRUN true\n');
    expect(ctx.listFiles()).toEqual([]);
    expect(contextFromDockerfile('FROM x').stat('anything')).toBeNull();
    await expect(contextFromStdin(Readable.from([Buffer.from('FROM a\n')]), tmp.sub('stdin'), { dockerfile: 'Dockerfile' })).rejects.toThrow('ambiguous Dockerfile source');
  });

  it('refuses hostile archives and whiteout names, writing nothing outside', async () => {
    const dir = tmp.sub('hostile');
    const into = join(dir, 'ctx');
    mkdirSync(into);
    const escape = buildTar([{ name: 'Dockerfile', body: 'x' }, { name: '../evil', body: 'x' }]);
    await expect(contextFromTar(Readable.from([escape]), into)).rejects.toSatisfy((e) => isDrydockError(e, 'invalid-archive'));
    const wh = buildTar([{ name: 'Dockerfile', body: 'x' }, { name: 'a/.wh.b', body: '' }]);
    await expect(contextFromTar(Readable.from([wh]), join(dir, 'ctx'))).rejects.toSatisfy((e) => isDrydockError(e, 'unsupported'));
    expect(readdirSync(dir)).toEqual(['ctx']);
  });
});
