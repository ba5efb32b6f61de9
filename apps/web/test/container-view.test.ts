import { describe, expect, it } from 'vitest';
import { dockerStatus } from '../lib/container-status.js';
import { countKinds, diffTree, type DiffNode } from '../lib/diff-tree.js';
import { shellWords } from '../lib/shell-words.js';

/** The containers page's pure helpers: Docker's STATUS text, the run dialog's command words, the diff tree. */
describe('container view helpers', () => {
  it.each([
    [{ status: 'running', exitCode: 0, startedAt: '2026-01-01T00:00:00Z', finishedAt: '' }, 'Up 3 minutes'],
    [{ status: 'exited', exitCode: 137, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z' }, 'Exited (137) 2 minutes ago'],
    [{ status: 'created', exitCode: 0, startedAt: '', finishedAt: '' }, 'Created'],
    [{ status: 'paused', exitCode: 0, startedAt: '2026-01-01T00:00:00Z', finishedAt: '' }, 'Up 3 minutes (Paused)'],
  ])('dockerStatus(%j) = %s', (c, text) => expect(dockerStatus(c, Date.parse('2026-01-01T00:03:00Z'))).toBe(text));

  it.each([
    [`sh -c 'echo hi; sleep 1'`, ['sh', '-c', 'echo hi; sleep 1']],
    [`echo "a \\"b\\"" c\\ d`, ['echo', 'a "b"', 'c d']],
    [`  ls   -l  `, ['ls', '-l']],
    [`printf ''`, ['printf', '']],
  ])('shellWords(%s)', (line, words) => expect(shellWords(line)).toEqual(words));

  it('refuses an unclosed quote', () => {
    expect(() => shellWords(`echo 'oops`)).toThrow('unclosed single quote');
    expect(() => shellWords(`echo "oops`)).toThrow('unclosed double quote');
  });

  it('builds the diff tree with parents, markers and sorted children', () => {
    const changes = [
      { kind: 'C' as const, path: '/etc' },
      { kind: 'A' as const, path: '/etc/newdir/f' },
      { kind: 'A' as const, path: '/etc/newdir' },
      { kind: 'D' as const, path: '/bin/true' },
      { kind: 'A' as const, path: '/a.txt' },
    ];
    const show = (n: DiffNode): unknown => [n.kind ?? '-', n.name, ...n.children.map(show)];
    expect(show(diffTree(changes))).toEqual(['-', '/', ['A', 'a.txt'], ['-', 'bin', ['D', 'true']], ['C', 'etc', ['A', 'newdir', ['A', 'f']]]]);
    expect(countKinds(changes)).toEqual({ A: 3, C: 1, D: 1 });
  });
});
