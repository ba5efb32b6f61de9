import { chmodSync, lchownSync, mkdirSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { contextFromDirectory } from '../../src/build/context/context.js';
import { clearHashCache, hashSources, loadHashCache, saveHashCache } from '../../src/build/context/hash.js';
import { rootfsTree } from '../../src/build/context/tree.js';
import { isDrydockError } from '../../src/errors.js';
import { makeTree, tempBase } from './helpers.js';

const tmp = tempBase('hash');
afterAll(() => tmp.cleanup());
beforeEach(() => clearHashCache());

function context(spec: Parameters<typeof makeTree>[1]) {
  const dir = tmp.sub('ctx');
  makeTree(dir, { Dockerfile: 'FROM scratch\n', ...spec });
  return { dir, ctx: () => contextFromDirectory(dir) };
}

describe('hashSources', () => {
  it('is stable and independent of mtime', () => {
    const { dir, ctx } = context({ 'src/a.txt': 'a', 'src/b/c.txt': 'c', 'src/link': { symlink: 'a.txt' } });
    const first = hashSources(ctx(), ['src']);
    expect(hashSources(ctx(), ['src']).digest).toBe(first.digest);
    utimesSync(join(dir, 'src/a.txt'), 1000, 1000);
    utimesSync(join(dir, 'src/b'), 2000, 2000);
    expect(hashSources(ctx(), ['src']).digest).toBe(first.digest);
    expect(first.entries).toBe(5); // src, a.txt, b, b/c.txt, link
  });

  it('changes with content, mode, names, link targets and the sources themselves', () => {
    const { dir, ctx } = context({ 'src/a.txt': 'a', 'src/link': { symlink: 'a.txt' }, 'other.txt': 'o' });
    const base = hashSources(ctx(), ['src']).digest;
    const changed = (mutate: () => void, undo: () => void) => {
      mutate();
      const d = hashSources(ctx(), ['src']).digest;
      undo();
      expect(hashSources(ctx(), ['src']).digest).toBe(base);
      return d;
    };
    const seen = new Set([base]);
    seen.add(changed(() => writeFileSync(join(dir, 'src/a.txt'), 'b'), () => writeFileSync(join(dir, 'src/a.txt'), 'a')));
    seen.add(changed(() => chmodSync(join(dir, 'src/a.txt'), 0o755), () => chmodSync(join(dir, 'src/a.txt'), 0o644)));
    seen.add(changed(() => chmodSync(join(dir, 'src'), 0o700), () => chmodSync(join(dir, 'src'), 0o755)));
    seen.add(
      changed(
        () => (unlinkSync(join(dir, 'src/link')), symlinkSync('b.txt', join(dir, 'src/link'))),
        () => (unlinkSync(join(dir, 'src/link')), symlinkSync('a.txt', join(dir, 'src/link'))),
      ),
    );
    seen.add(changed(() => writeFileSync(join(dir, 'src/new'), ''), () => unlinkSync(join(dir, 'src/new'))));
    expect(seen.size).toBe(6);
    expect(hashSources(ctx(), ['src', 'other.txt']).digest).not.toBe(base);
    expect(hashSources(ctx(), ['./src/']).digest).toBe(base); // the same source, spelled differently
  });

  it('ignores owners in a context but counts them in a rootfs', () => {
    const { dir, ctx } = context({ 'f': 'x' });
    const tree = rootfsTree(dir);
    const before = [hashSources(ctx(), ['f']).digest, hashSources(tree, ['f']).digest];
    lchownSync(join(dir, 'f'), 1234, 5678);
    expect(hashSources(ctx(), ['f']).digest).toBe(before[0]);
    expect(hashSources(tree, ['f']).digest).not.toBe(before[1]);
  });

  it('skips what .dockerignore hides', () => {
    const { dir, ctx } = context({ '.dockerignore': '**/*.log\n', 'app/x.js': '1', 'app/debug.log': '2' });
    const base = hashSources(ctx(), ['.']).digest;
    writeFileSync(join(dir, 'app/debug.log'), 'changed');
    writeFileSync(join(dir, 'app/more.log'), 'new');
    expect(hashSources(ctx(), ['.']).digest).toBe(base);
    writeFileSync(join(dir, 'app/x.js'), 'changed');
    expect(hashSources(ctx(), ['.']).digest).not.toBe(base);
  });

  it('expands wildcards; no match is no error, a missing path is', () => {
    const { dir, ctx } = context({ 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c' });
    const base = hashSources(ctx(), ['*.txt']);
    expect(base.entries).toBe(2);
    writeFileSync(join(dir, 'c.md'), 'changed');
    expect(hashSources(ctx(), ['*.txt']).digest).toBe(base.digest);
    writeFileSync(join(dir, 'd.txt'), 'd');
    expect(hashSources(ctx(), ['*.txt']).digest).not.toBe(base.digest);
    expect(hashSources(ctx(), ['*.none']).entries).toBe(0);
    let err: unknown;
    try {
      hashSources(ctx(), ['missing.txt']);
    } catch (e) {
      err = e;
    }
    expect(isDrydockError(err, 'not-found')).toBe(true);
    expect((err as Error).message).toBe('failed to compute cache key: "/missing.txt": not found');
  });

  it('hashes inline sources by name and content', () => {
    const { ctx } = context({});
    const a = hashSources(ctx(), [{ name: 'EOF', content: 'hello\n' }]).digest;
    expect(hashSources(ctx(), [{ name: 'EOF', content: 'hello\n' }]).digest).toBe(a);
    expect(hashSources(ctx(), [{ name: 'EOF', content: 'hello!\n' }]).digest).not.toBe(a);
    expect(hashSources(ctx(), [{ name: 'END', content: 'hello\n' }]).digest).not.toBe(a);
  });

  it('reads each file once per process while its stat is unchanged', () => {
    const { dir, ctx } = context({ 'd/a': 'a', 'd/b': 'b' });
    expect(hashSources(ctx(), ['d']).filesRead).toBe(2);
    expect(hashSources(ctx(), ['d']).filesRead).toBe(0);
    writeFileSync(join(dir, 'd/a'), 'A');
    const again = hashSources(ctx(), ['d']);
    expect(again.filesRead).toBe(1);
  });

  it('keeps digests between processes in a cache file, except files changed too recently to trust', () => {
    const { dir, ctx } = context({ 'd/a': 'aaaa', 'd/b': 'bbbb', 'd/c': 'cccc' });
    const file = join(tmp.sub('cache'), 'digests.json');
    const first = hashSources(ctx(), ['d']);
    expect(first.filesRead).toBe(3);

    // Saved just now: every file changed within the racy window, so nothing is kept.
    saveHashCache(file);
    clearHashCache();
    loadHashCache(file);
    expect(hashSources(ctx(), ['d']).filesRead).toBe(3);

    // Saved "later": a new process answers from the file without reading anything.
    saveHashCache(file, Date.now() + 10_000);
    clearHashCache();
    loadHashCache(file);
    const again = hashSources(ctx(), ['d']);
    expect(again).toMatchObject({ digest: first.digest, filesRead: 0 });

    // The same size, new content: the stat differs (ctime), so the file is read and the digest moves.
    writeFileSync(join(dir, 'd/b'), 'BBBB');
    const changed = hashSources(ctx(), ['d']);
    expect(changed.filesRead).toBe(1);
    expect(changed.digest).not.toBe(first.digest);
  });

  it('treats a corrupt or foreign cache file as empty', () => {
    const { ctx } = context({ 'd/a': 'a' });
    const file = join(tmp.sub('cache'), 'digests.json');
    for (const text of ['{not json', '{"format":"other","rows":[]}', '{"format":"drydock.file-digests.v1","rows":[[1,2],"x"]}']) {
      writeFileSync(file, text);
      clearHashCache();
      loadHashCache(file);
      expect(hashSources(ctx(), ['d']).filesRead).toBe(1);
    }
  });

  it('hashes a 10,000-file context, then answers from the cache', () => {
    const dir = tmp.sub('big');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(dir, `d${d}`));
      for (let f = 0; f < 100; f++) writeFileSync(join(dir, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`.repeat(8));
    }
    const ctx = contextFromDirectory(dir);
    const cold = hashSources(ctx, ['.']);
    const warm = hashSources(ctx, ['.']);
    expect(warm.digest).toBe(cold.digest);
    expect(cold.entries).toBe(10_102);
    expect(warm.filesRead).toBe(0);
    rmSync(dir, { recursive: true });
  });
});
