/**
 * The same COPY/ADD instructions run by `docker build` and by `copyInto`,
 * compared file by file (type, mode, owner, content or link target, file
 * mtimes). Skipped when no Docker daemon answers. The daemon here is
 * Debian's docker.io with the legacy builder (no buildx), so only cases
 * where the legacy builder and BuildKit agree are used.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, describe as suite, expect, it } from 'vitest';
import { contextFromDirectory } from '../../src/build/context/context.js';
import { copyInto } from '../../src/build/copy/copy.js';
import { buildTar } from '../snapshot/helpers.js';
import { describe, makeTree, tempBase, type Described } from './helpers.js';

// Docker 20.10's own client drives BuildKit (the newer client on PATH needs buildx, which Debian lacks).
const docker = (args: string[], input?: Buffer) =>
  spawnSync('/usr/bin/docker', args, { input, maxBuffer: 1 << 28, timeout: 120_000, env: { ...process.env, DOCKER_BUILDKIT: '1' } });
const tmp = tempBase('dcmp');
const tag = `drydock-copy-compare:${process.pid}`;
afterAll(() => {
  docker(['rmi', '-f', tag]);
  tmp.cleanup();
});

/** The exported container filesystem, minus what `docker create` adds. */
async function dockerTree(image: string): Promise<Record<string, Described>> {
  const id = docker(['create', image, 'none']).stdout.toString().trim();
  const exported = docker(['export', id]).stdout;
  docker(['rm', id]);
  const out: Record<string, Described> = {};
  const extract = tar.extract();
  Readable.from([exported]).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const h = entry.header;
    const chunks: Buffer[] = [];
    for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
    const name = `/${h.name.replace(/\/$/, '')}`;
    if (/^\/(\.dockerenv|dev|proc|sys|etc)(\/|$)/.test(name)) continue;
    const type = h.type === 'file' ? 'file' : h.type === 'directory' ? 'dir' : h.type === 'symlink' ? 'symlink' : 'other';
    const d: Described = { type, mode: (h.mode ?? 0) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0 };
    if (type === 'file') d.data = createHash('sha256').update(Buffer.concat(chunks)).digest('hex').slice(0, 12);
    if (type === 'symlink') d.data = h.linkname ?? '';
    if (type !== 'dir') d.mtime = Math.floor((h.mtime?.getTime() ?? 0) / 1000);
    out[name] = d;
  }
  return out;
}

suite('COPY/ADD against docker build (BuildKit)', () => {
  it('produces the same files', { timeout: 180_000 }, async () => {
    const dir = tmp.sub('case');
    const ctxDir = join(dir, 'ctx');
    const root = join(dir, 'root');
    mkdirSync(root);
    makeTree(ctxDir, {
      'a.txt': { content: 'alpha\n', mode: 0o640 },
      'dir/x': { content: '#!/bin/sh\n', mode: 0o755 },
      'dir/sub/y': 'y\n',
      'dir/sub/ignored.log': 'no\n',
      'r.md': 'r\n',
      's.md': { content: 's\n', mode: 0o600 },
      'arch.tar.gz': gzipSync(buildTar([{ name: 'pkg/', type: 'directory', mode: 0o750 }, { name: 'pkg/tool', body: 'tool\n', mode: 0o755, uid: 42, gid: 43 }, { name: 'pkg/alias', type: 'symlink', linkname: 'tool' }])),
      'plain.txt.gz': gzipSync('not a tar\n'),
      '.dockerignore': '**/*.log\n',
    });
    symlinkSync('x', join(ctxDir, 'dir/sym'));
    for (const p of ['a.txt', 'dir/x', 'dir/sub/y', 'r.md', 's.md', 'arch.tar.gz', 'plain.txt.gz']) utimesSync(join(ctxDir, p), 1_500_000_000, 1_500_000_000);
    const steps: [string, Parameters<typeof copyInto>[1] extends infer O ? Omit<O & object, 'from'> : never][] = [
      ['COPY a.txt /b.txt', { sources: ['a.txt'], dest: '/b.txt' }],
      ['COPY dir /d', { sources: ['dir'], dest: '/d' }],
      ['COPY dir/ /d2/', { sources: ['dir/'], dest: '/d2/' }],
      ['COPY *.md /docs/', { sources: ['*.md'], dest: '/docs/' }],
      ['COPY --chown=1234:5678 a.txt /owned/a', { sources: ['a.txt'], dest: '/owned/a', chown: '1234:5678' }],
      ['ADD arch.tar.gz /ext/', { sources: ['arch.tar.gz'], dest: '/ext/', add: true }],
      ['ADD plain.txt.gz /gz/', { sources: ['plain.txt.gz'], dest: '/gz/', add: true }],
      ['COPY a.txt /app/', { sources: ['a.txt'], dest: '.', workdir: '/app' }],
    ];
    writeFileSync(join(ctxDir, 'Dockerfile'), `FROM scratch\n${steps.map(([line]) => line.replace('COPY a.txt /app/', 'WORKDIR /app\nCOPY a.txt .')).join('\n')}\n`);
    // BuildKit's cache ignores mtimes: a cached layer would keep an earlier run's symlink times.
    const build = docker(['build', '--no-cache', '-q', '-t', tag, ctxDir]);
    expect(build.status, build.stderr.toString()).toBe(0);
    const ctx = contextFromDirectory(ctxDir);
    for (const [, opts] of steps) await copyInto(root, { from: ctx, ...opts });
    const ours = describe(root, { mtimes: true });
    const theirs = await dockerTree(tag);
    // WORKDIR and the destination directories the copies create have build-time mtimes only
    expect(ours).toEqual(theirs);
  });
});
