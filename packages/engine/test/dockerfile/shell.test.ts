/**
 * Shell lexer tables: BuildKit's lex_test.go tables ported as data
 * (TestProcessWithMatches, TestShellParserMandatoryEnvVars, the platform
 * filename case, pattern helpers) plus lexer modes. Expected values were
 * checked against BuildKit's lexer.
 */
import { describe, expect, it } from 'vitest';
import { ShellLexer, envFromList, envFromRecord, processWord, processWords } from '../../src/dockerfile/index.js';
import { reversePattern, reverseString, shellPatternToRegExp } from '../../src/dockerfile/shell/pattern.js';

interface MatchCase {
  input: string;
  envs: Record<string, string>;
  expected?: string;
  error?: true;
  matches?: string[];
  unmatched?: string[];
}

// TestProcessWithMatches.
const withMatches: MatchCase[] = [
  { input: 'x', envs: { DUMMY: 'dummy' }, expected: 'x' },
  { input: 'x ${UNUSED}', envs: { DUMMY: 'dummy' }, expected: 'x ', unmatched: ['UNUSED'] },
  { input: 'x ${FOO}', envs: { FOO: 'y' }, expected: 'x y', matches: ['FOO'] },
  { input: '${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx  ccc', matches: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx bbb ccc', matches: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:-}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matches: ['FOO'] },
  { input: '${FOO:-}', envs: {}, expected: '', unmatched: ['FOO'] },
  { input: '${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}', envs: { FOO: 'xxx', BAR: '' }, expected: 'aaa bbb ', matches: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}', envs: { FOO: 'xxx', BAR: '' }, expected: 'aaa  ', matches: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO?aaa}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matches: ['FOO'] },
  { input: '${BAR?bbb}', envs: { FOO: 'xxx', BAR: '' }, expected: '', matches: ['BAR'] },
  { input: '${BAZ?ccc}', envs: { FOO: 'xxx', BAR: '' }, error: true },
  { input: '${FOO:?aaa}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matches: ['FOO'] },
  { input: '${BAR:?bbb}', envs: { FOO: 'xxx', BAR: '' }, error: true },
  { input: '${BAZ:?ccc}', envs: { FOO: 'xxx', BAR: '' }, error: true },
  { input: '${BAZ:?}', envs: { FOO: 'xxx', BAR: '' }, error: true },
  { input: '${FOO=aaa}', envs: { FOO: 'xxx', BAR: '' }, error: true },
  { input: '${FOO=:aaa}', envs: { FOO: 'xxx', BAR: '' }, error: true },
  { input: '${FOO=}', envs: {}, error: true },
  { input: '${FOO#()[]{\\}^$.\\*\\?|\\\\}', envs: { FOO: '()[]{}^$.*?|\\x' }, expected: 'x', matches: ['FOO'] },
  { input: '${FOO%%\\**}', envs: { FOO: 'xx**' }, expected: 'xx', matches: ['FOO'] },
  { input: '${FOO#*x*y}', envs: { FOO: 'xxyy' }, expected: 'y', matches: ['FOO'] },
  { input: '${FOO#*}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO#$BAR}', envs: { FOO: 'xxyy', BAR: 'x' }, expected: 'xyy', matches: ['FOO', 'BAR'] },
  { input: '${FOO#$BAR}', envs: { FOO: 'xxyy', BAR: '' }, expected: 'xxyy', matches: ['FOO', 'BAR'] },
  { input: '${FOO#}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO##*x}', envs: { FOO: 'xxyy' }, expected: 'yy', matches: ['FOO'] },
  { input: '${FOO##}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO#?\\?}', envs: { FOO: '???y' }, expected: '?y', matches: ['FOO'] },
  { input: '${ABC:-.}${FOO%x}${ABC:-.}', envs: { FOO: 'xxyy' }, expected: '.xxyy.', matches: ['FOO'], unmatched: ['ABC'] },
  { input: '${FOO%%\\**\\*}', envs: { FOO: 'a***yy*' }, expected: 'a', matches: ['FOO'] },
  { input: '${FOO%}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO%%$BAR}', envs: { FOO: 'xxyy', BAR: '' }, expected: 'xxyy', matches: ['FOO', 'BAR'] },
  { input: '${FOO:#}', envs: {}, error: true },
  { input: '${FOO:##}', envs: {}, error: true },
  { input: '${FOO:%}', envs: {}, error: true },
  { input: '${FOO:%%}', envs: {}, error: true },
  { input: '${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', envs: { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }, expected: '/foo.*/*.txt - /foo..*.txt', matches: ['FOO', 'NEEDLE'] },
  { input: '${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', envs: { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }, expected: '/tmp/bar.txt - /bar.txt', matches: ['FOO', 'NEEDLE'] },
  { input: '${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}', envs: { FOO: '/a/foo/b/c.txt', NEEDLE: '/?/', REPLACEMENT: '/' }, expected: '/foo/b/c.txt - /foo/c.txt', matches: ['FOO', 'NEEDLE', 'REPLACEMENT'] },
  { input: '${FOO/$NEEDLE/$REPLACEMENT}', envs: { FOO: 'http://google.de', NEEDLE: 'http://', REPLACEMENT: 'https://' }, expected: 'https://google.de', matches: ['FOO', 'NEEDLE', 'REPLACEMENT'] },
  { input: '${FOO//\\//\\/}', envs: { FOO: '/tmp/foo.txt' }, expected: '\\/tmp\\/foo.txt', matches: ['FOO'] },
  { input: '${FOO/$BAR/ww}', envs: { FOO: 'xxyy', BAR: '' }, expected: 'wwxxyy', matches: ['FOO', 'BAR'] },
  { input: '${FOO//ww}', envs: { FOO: 'xxyy' }, error: true },
  { input: '${FOO//}', envs: { FOO: 'xxyy' }, error: true },
  { input: '${FOO///}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO///}', envs: {}, expected: '', unmatched: ['FOO'] },
];

describe('ProcessWordWithMatches (TestProcessWithMatches)', () => {
  const lexer = new ShellLexer();
  it.each(withMatches)('$input', ({ input, envs, expected, error, matches = [], unmatched = [] }) => {
    if (error) {
      expect(() => lexer.processWordWithMatches(input, envs)).toThrow(/^failed to process /);
      return;
    }
    const result = lexer.processWordWithMatches(input, envs);
    expect(result.result).toBe(expected);
    expect([...result.matched].sort()).toEqual([...matches].sort());
    expect([...result.unmatched].sort()).toEqual([...unmatched].sort());
  });
});

describe('mandatory variables (TestShellParserMandatoryEnvVars)', () => {
  const set = envFromList(['VAR=plain', 'ARG=x']);
  const empty = envFromList(['VAR=', 'ARG=x']);
  const unset = envFromList(['ARG=x']);
  it('${VAR:?msg} rejects empty and unset', () => {
    const word = '${VAR:?message here$ARG}';
    expect(processWord(word, set)).toBe('plain');
    expect(() => processWord(word, empty)).toThrow('VAR: message herex');
    expect(() => processWord(word, unset)).toThrow('VAR: message herex');
  });
  it('${VAR?msg} rejects only unset', () => {
    const word = '${VAR?message here$ARG}';
    expect(processWord(word, set)).toBe('plain');
    expect(processWord(word, empty)).toBe('');
    expect(() => processWord(word, unset)).toThrow('VAR: message herex');
  });
  it('default messages', () => {
    expect(() => processWord('${X?}', {})).toThrow('failed to process "${X?}": X: is not allowed to be unset');
    expect(() => processWord('${X:?}', { X: '' })).toThrow('failed to process "${X:?}": X: is not allowed to be empty');
  });
});

describe('release file name (TestProcessWithMatchesPlatform)', () => {
  const release = 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz';
  it.each([
    [{ TARGETARCH: 'arm', TARGETVARIANT: 'v7' }, 'something-v1.2.3.linux-arm-v7.tar.gz'],
    [{ TARGETARCH: 'arm64', TARGETVARIANT: '' }, 'something-v1.2.3.linux-arm64.tar.gz'],
    [{ TARGETARCH: 'arm64' }, 'something-v1.2.3.linux-arm64.tar.gz'],
  ])('%j', (env, want) => {
    expect(processWord(release, { VERSION: 'v1.2.3', TARGETOS: 'linux', ...env })).toBe(want);
  });
});

describe('pattern helpers', () => {
  it.each([
    ['a\\*c', 'c\\*a'],
    ['\\\\\\ab', 'b\\a\\\\'],
    ['ab\\', '\\ba'],
    ['👽\\🚀🖖', '🖖\\🚀👽'],
    ['\\\\b', 'b\\\\'],
  ])('reversePattern(%j) (TestReversePattern)', (input, want) => {
    expect(reversePattern(input)).toBe(want);
  });
  it('reverseString works on code points (TestReverseString)', () => {
    expect(reverseString('54321')).toBe('12345');
    expect(reverseString('🖖🚀👽')).toBe('👽🚀🖖');
  });
  it.each([
    ['*', ['', 'abc', 'a/b'], []],
    ['?', ['a', 'ab'], ['']],
    ['\\*', ['*', '*x'], ['x']],
    ['(()[]{\\}^$.\\*\\?|\\\\', ['(()[]{}^$.*?|\\'], ['(()[]{}^$.*?|']],
  ])('pattern %j matches like BuildKit (TestConvertShellPatternToRegex)', (pattern, yes, no) => {
    const re = shellPatternToRegExp(pattern, true, true);
    for (const s of yes) expect(re.test(s)).toBe(true);
    for (const s of no) expect(re.test(s)).toBe(false);
  });
  it.each(['\\', '\\x', '\\\\\\'])('rejects pattern %j', (pattern) => {
    expect(() => shellPatternToRegExp(pattern, true, true)).toThrow();
  });
  it('reports a bad pattern as a lexer error', () => {
    expect(() => processWord('${X#\\x}', { X: 'a' })).toThrow('failed to process "${X#\\\\x}": invalid pattern (\\x) in substitution');
  });
});

describe('lexer details', () => {
  it.each([
    // [source, env, ProcessWord, ProcessWords]
    ['a\\ b "c  d" \'$x\' $x', { x: 'p  q' }, "a b c  d $x p  q", ['a b', 'c  d', '$x', 'p', 'q']],
    ['"a\\"b\\$c\\\\d\\e"', {}, 'a"b$c\\d\\e', ['a"b$c\\d\\e']],
    ['$1$@$#x${999}', {}, 'x', ['x']],
    ['$ $. ${x}', { x: '1' }, '$ $. 1', ['$', '$.', '1']],
    ['${x//a/$$}', { x: 'banana' }, 'bnn', ['bnn']],
    ['${x//[a]/-}', { x: 'a[a]' }, 'a-', ['a-']],
    ['${x/%a/-}', { x: 'banana' }, 'banana', ['banana']],
  ])('%j', (source, env, word, words) => {
    expect(processWord(source, env)).toBe(word);
    expect(processWords(source, env)).toEqual(words);
  });

  it('uses a backtick escape token when asked', () => {
    const lexer = new ShellLexer({ escapeToken: '`' });
    expect(lexer.processWord('a`$x\\$x"`""', { x: '1' })).toBe('a$x\\1"');
  });

  it('keeps quotes, escapes and unset references in raw modes (as heredoc detection uses them)', () => {
    const lexer = new ShellLexer({ rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
    expect(lexer.processWords('RUN <<"EOF" cat \\$x ${y:-z} $set', { set: 'v' })).toEqual([
      'RUN',
      '<<"EOF"',
      'cat',
      '\\$x',
      '${y:-z}',
      'v',
    ]);
  });

  it('treats quotes as plain characters with skipProcessQuotes', () => {
    expect(new ShellLexer({ skipProcessQuotes: true }).processWord('"a $x"', { x: '1' })).toBe('"a 1"');
  });

  it('reproduces BuildKit dropping the pending word before a ${x<op>...} expansion', () => {
    expect(processWords('hello${x:-abc} def', {})).toEqual(['abc', 'def']);
    expect(processWords('hello${x} def', {})).toEqual(['hello', 'def']);
  });

  it('looks names up case-insensitively in Windows mode only', () => {
    expect(processWord('$path', envFromRecord({ PATH: '/bin' }))).toBe('');
    expect(processWord('$path', envFromRecord({ PATH: '/bin' }, { caseInsensitive: true }))).toBe('/bin');
  });

  it.each([
    ['${', "syntax error: missing '}'"],
    ['${x', 'unsupported modifier (\ufffd) in substitution'],
    ['${x:-y', "syntax error: missing '}'"],
    ['${x/y', "syntax error: missing '/' in ${}"],
    ['${}', 'syntax error: bad substitution'],
    ["'a", 'unexpected end of statement while looking for matching single-quote'],
    ['"a', 'unexpected end of statement while looking for matching double-quote'],
    ['${x:=y}', 'unsupported modifier (:=) in substitution'],
  ])('error for %j', (source, message) => {
    expect(() => processWord(source, {})).toThrow(`failed to process ${JSON.stringify(source)}: ${message}`);
  });
});
