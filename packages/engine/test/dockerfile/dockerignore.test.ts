/**
 * .dockerignore reading and matching. The tables of moby/patternmatcher's
 * patternmatcher_test.go and ignorefile_test.go are ported as data (Unix
 * cases); the rest was checked against patternmatcher itself.
 */
import { describe, expect, it } from 'vitest';
import { isDrydockError } from '../../src/errors.js';
import { createIgnoreMatcher, readDockerignore } from '../../src/dockerfile/index.js';
import { goPathClean } from '../../src/dockerfile/ignore/go-path.js';
import { CompiledPattern } from '../../src/dockerfile/ignore/pattern.js';

/** patternmatcher's package-level MatchesOrParentMatches: clean, never match ".". */
function matchesOrParentMatches(file: string, patterns: string[]): boolean {
  return createIgnoreMatcher(patterns).matches(goPathClean(file));
}

describe('TestMatches', () => {
  const single: [string, string, boolean][] = [
    ['**', 'file', true],
    ['**', 'file/', true],
    ['**/', 'file', true],
    ['**/', 'file/', true],
    ['**', '/', true],
    ['**/', '/', true],
    ['**', 'dir/file', true],
    ['**/', 'dir/file', true],
    ['**', 'dir/file/', true],
    ['**/', 'dir/file/', true],
    ['**/**', 'dir/file', true],
    ['**/**', 'dir/file/', true],
    ['dir/**', 'dir/file', true],
    ['dir/**', 'dir/file/', true],
    ['dir/**', 'dir/dir2/file', true],
    ['dir/**', 'dir/dir2/file/', true],
    ['**/dir', 'dir', true],
    ['**/dir', 'dir/file', true],
    ['**/dir2/*', 'dir/dir2/file', true],
    ['**/dir2/*', 'dir/dir2/file/', true],
    ['**/dir2/**', 'dir/dir2/dir3/file', true],
    ['**/dir2/**', 'dir/dir2/dir3/file/', true],
    ['**file', 'file', true],
    ['**file', 'dir/file', true],
    ['**/file', 'dir/file', true],
    ['**file', 'dir/dir/file', true],
    ['**/file', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file.txt', true],
    ['**/file*txt', 'dir/dir/file.txt', true],
    ['**/file*.txt', 'dir/dir/file.txt', true],
    ['**/file*.txt*', 'dir/dir/file.txt', true],
    ['**/**/*.txt', 'dir/dir/file.txt', true],
    ['**/**/*.txt2', 'dir/dir/file.txt', false],
    ['**/*.txt', 'file.txt', true],
    ['**/**/*.txt', 'file.txt', true],
    ['a**/*.txt', 'a/file.txt', true],
    ['a**/*.txt', 'a/dir/file.txt', true],
    ['a**/*.txt', 'a/dir/dir/file.txt', true],
    ['a/*.txt', 'a/dir/file.txt', false],
    ['a/*.txt', 'a/file.txt', true],
    ['a/*.txt**', 'a/file.txt', true],
    ['a[b-d]e', 'ae', false],
    ['a[b-d]e', 'ace', true],
    ['a[b-d]e', 'aae', false],
    ['a[^b-d]e', 'aze', true],
    ['.*', '.foo', true],
    ['.*', 'foo', false],
    ['abc.def', 'abcdef', false],
    ['abc.def', 'abc.def', true],
    ['abc.def', 'abcZdef', false],
    ['abc?def', 'abcZdef', true],
    ['abc?def', 'abcdef', false],
    ['a\\\\', 'a\\', true],
    ['**/foo/bar', 'foo/bar', true],
    ['**/foo/bar', 'dir/foo/bar', true],
    ['**/foo/bar', 'dir/dir2/foo/bar', true],
    ['abc/**', 'abc', false],
    ['abc/**', 'abc/def', true],
    ['abc/**', 'abc/def/ghi', true],
    ['**/.foo', '.foo', true],
    ['**/.foo', 'bar.foo', false],
    ['a(b)c/def', 'a(b)c/def', true],
    ['a(b)c/def', 'a(b)c/xyz', false],
    ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
    ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    ['a\\*b', 'a*b', true], // Unix only in the Go table
  ];
  it.each(single)('%j matches %j: %s', (pattern, text, pass) => {
    expect(createIgnoreMatcher([pattern]).matches(text)).toBe(pass);
  });

  const multi: [string[], string, boolean][] = [
    [['**', '!util/docker/web'], 'util/docker/web/foo', false],
    [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
    [['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
    [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
  ];
  it.each(multi)('%j matches %j: %s', (patterns, text, pass) => {
    expect(createIgnoreMatcher(patterns).matches(text)).toBe(pass);
  });
});

describe('simple cases (TestWildcardMatches and friends)', () => {
  it.each([
    ['fileutils.go', ['*'], true],
    ['fileutils.go', ['*.go'], true],
    ['fileutils.go', ['!fileutils.go', '*.go'], true],
    ['docs/README.md', ['docs', '!docs/README.md'], false],
    ['docs/README.md', ['docs/', '!docs/README.md'], false],
    ['docs/README.md', ['docs/*', '!docs/README.md'], false],
    ['fileutils.go', ['*.go', '!fileutils.go'], false],
    ['.', ['*.go'], false],
    ['/any/path/there', [], false],
  ] as [string, string[], boolean][])('%j with %j: %s', (file, patterns, want) => {
    expect(matchesOrParentMatches(file, patterns)).toBe(want);
  });

  it('rejects a lone "!" (TestSingleExclamationError)', () => {
    expect(() => createIgnoreMatcher(['!'])).toThrow('illegal exclusion pattern: "!"');
  });
  it('rejects a malformed pattern (TestMatchesWithMalformedPatterns)', () => {
    expect(() => createIgnoreMatcher(['['])).toThrow(/syntax error in pattern/);
  });
  it('drops empty patterns and reports exclusions (TestCleanPatterns*)', () => {
    expect(createIgnoreMatcher(['docs', 'config', '']).patterns).toHaveLength(2);
    expect(createIgnoreMatcher(['docs', '  !docs/README.md']).hasExclusions).toBe(true);
    expect(createIgnoreMatcher(['docs', '!docs/README.md  ']).hasExclusions).toBe(true);
    expect(createIgnoreMatcher(['docs', 'x']).hasExclusions).toBe(false);
  });
  it('fails each time a malformed regexp is reached (regression moby/moby#52203)', () => {
    const m = createIgnoreMatcher(['[Local-Only]/']);
    for (let i = 0; i < 2; i++) {
      let err: unknown;
      try {
        m.matches('x');
      } catch (e) {
        err = e;
      }
      expect(isDrydockError(err, 'invalid-argument')).toBe(true);
    }
  });
  it('never evaluates a malformed exception when nothing was matched before it', () => {
    expect(createIgnoreMatcher(['!*[Local-Only]']).matches('x')).toBe(false);
  });
});

describe('filepath.Match table (TestMatch)', () => {
  // [pattern, name, match, bad pattern]
  const table: [string, string, boolean, boolean][] = [
    ['abc', 'abc', true, false],
    ['*', 'abc', true, false],
    ['*c', 'abc', true, false],
    ['a*', 'a', true, false],
    ['a*', 'abc', true, false],
    ['a*', 'ab/c', true, false],
    ['a*/b', 'abc/b', true, false],
    ['a*/b', 'a/c/b', false, false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true, false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true, false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false, false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false, false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true, false],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false, false],
    ['ab[c]', 'abc', true, false],
    ['ab[b-d]', 'abc', true, false],
    ['ab[e-g]', 'abc', false, false],
    ['ab[^c]', 'abc', false, false],
    ['ab[^b-d]', 'abc', false, false],
    ['ab[^e-g]', 'abc', true, false],
    ['a\\*b', 'a*b', true, false],
    ['a\\*b', 'ab', false, false],
    ['a?b', 'a☺b', true, false],
    ['a[^a]b', 'a☺b', true, false],
    ['a???b', 'a☺b', false, false],
    ['a[^a][^a][^a]b', 'a☺b', false, false],
    ['[a-ζ]*', 'α', true, false],
    ['*[a-ζ]', 'A', false, false],
    ['a?b', 'a/b', false, false],
    ['a*b', 'a/b', false, false],
    ['[\\]a]', ']', true, false],
    ['[\\-]', '-', true, false],
    ['[x\\-]', 'x', true, false],
    ['[x\\-]', '-', true, false],
    ['[x\\-]', 'z', false, false],
    ['[\\-x]', 'x', true, false],
    ['[\\-x]', '-', true, false],
    ['[\\-x]', 'a', false, false],
    ['[]a]', ']', false, true],
    ['[-]', '-', false, true],
    ['[x-]', 'x', false, true],
    ['[x-]', '-', false, true],
    ['[x-]', 'z', false, true],
    ['[-x]', 'x', false, true],
    ['[-x]', '-', false, true],
    ['[-x]', 'a', false, true],
    ['\\', 'a', false, true],
    ['[a-b-c]', 'a', false, true],
    ['[', 'a', false, true],
    ['[^', 'a', false, true],
    ['[^bc', 'a', false, true],
    ['a[', 'a', false, true],
    ['a[', 'ab', false, true],
    ['*x', 'xxx', true, false],
  ];
  it.each(table)('%j vs %j', (pattern, name, match, bad) => {
    let result: boolean | 'bad';
    try {
      result = matchesOrParentMatches(name, [pattern]);
    } catch (err) {
      expect(isDrydockError(err, 'invalid-argument')).toBe(true);
      result = 'bad';
    }
    expect(result).toBe(bad ? 'bad' : match);
  });
});

describe('compiled form (TestCompile, slash separator)', () => {
  it.each([
    ['*', 'regexp', '^[^/]*$'],
    ['file*', 'regexp', '^file[^/]*$'],
    ['*file', 'regexp', '^[^/]*file$'],
    ['a*/b', 'regexp', '^a[^/]*/b$'],
    ['**', 'suffix', ''],
    ['**/**', 'regexp', '^(.*/)?.*$'],
    ['dir/**', 'prefix', ''],
    ['**/dir', 'suffix', ''],
    ['**/dir2/*', 'regexp', '^(.*/)?dir2/[^/]*$'],
    ['**/dir2/**', 'regexp', '^(.*/)?dir2/.*$'],
    ['**file', 'suffix', ''],
    ['**/file*txt', 'regexp', '^(.*/)?file[^/]*txt$'],
    ['**/**/*.txt', 'regexp', '^(.*/)?(.*/)?[^/]*\\.txt$'],
    ['a[b-d]e', 'regexp', '^a[b-d]e$'],
    ['.*', 'regexp', '^\\.[^/]*$'],
    ['abc.def', 'exact', ''],
    ['abc?def', 'regexp', '^abc[^/]def$'],
    ['**/foo/bar', 'suffix', ''],
    ['a(b)c/def', 'exact', ''],
    ['a.|)$(}+{bc', 'exact', ''],
    ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'exact', ''],
  ])('%j', (pattern, kind, goRegexp) => {
    const compiled = new CompiledPattern(goPathClean(pattern), false);
    expect(compiled.kind).toBe(kind);
    expect(compiled.goRegexp).toBe(goRegexp);
  });

  it('keeps patternmatcher quirk: "|", "{" and "}" reach the regexp unescaped', () => {
    expect(new CompiledPattern('a|b*', false).goRegexp).toBe('^a|b[^/]*$');
    expect(createIgnoreMatcher(['a|b*']).matches('bxyz')).toBe(true); // "b[^/]*$" branch
    expect(createIgnoreMatcher(['a{2}*']).matches('aa')).toBe(true);
  });
});

describe('readDockerignore (TestReadAll)', () => {
  it('reads the ignorefile_test.go sample', () => {
    const content = 'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ';
    expect(readDockerignore(content)).toEqual([
      'test1',
      'test2',
      'a/file/here',
      'lastfile',
      '!inverted/abs/path',
      '!',
      '!',
    ]);
  });
  it.each([
    ['\ufeff# c\nx\r\n', ['x']],
    ['  # not a comment\n', ['# not a comment']],
    ['a/../b/./c//\n/\n//x\n', ['b/c', '/', 'x']],
    ['!./x\n!  /y/\n', ['!x', '!y']],
    [Buffer.from('**/*.log\n'), ['**/*.log']],
    ['', []],
  ] as [string | Uint8Array, string[]][])('%j', (content, want) => {
    expect(readDockerignore(content)).toEqual(want);
  });
});

describe('canSkipDir', () => {
  it.each([
    [['node_modules'], 'node_modules', true],
    [['node_modules'], 'src', false],
    [['**', '!src'], 'docs', true],
    [['**', '!src/keep.txt'], 'src', false],
    [['**', '!src/**'], 'src', false],
    [['**', '!src/*'], 'docs', true],
    [['build', '!build/keep'], 'build', false],
    [['build', '!builder/keep'], 'build', true],
    [['build', '!*.md'], 'build', false],
    [['**', '!**/keep'], 'docs', false],
  ] as [string[], string, boolean][])('%j, dir %j: %s', (patterns, dir, want) => {
    expect(createIgnoreMatcher(patterns).canSkipDir(dir)).toBe(want);
  });

  it('never skips a directory holding a re-included path (random check)', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) % n;
    };
    const atoms = ['a', 'b', 'ab', '*', '**', '?', '[ab]', '.x'];
    const names = ['a', 'b', 'ab', 'ba', 'a.x', '.x'];
    const pattern = (): string => Array.from({ length: 1 + rnd(3) }, () => atoms[rnd(atoms.length)]).join('/');
    const path = (depth: number): string => Array.from({ length: depth }, () => names[rnd(names.length)]).join('/');
    for (let round = 0; round < 300; round++) {
      const patterns = Array.from({ length: 1 + rnd(4) }, () => (rnd(3) === 0 ? '!' : '') + pattern());
      const m = createIgnoreMatcher(patterns);
      for (let k = 0; k < 10; k++) {
        const dir = path(1 + rnd(2));
        if (!m.canSkipDir(dir)) continue;
        for (let j = 0; j < 10; j++) expect(m.matches(`${dir}/${path(1 + rnd(3))}`)).toBe(true);
      }
    }
  });
});
