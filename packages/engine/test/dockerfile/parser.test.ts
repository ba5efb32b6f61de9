/**
 * Parser table tests beyond the conformance data: directives and the escape
 * token, continuations, errors that name lines, warnings, per-instruction
 * shapes, and Go-compatible text handling. Expected values were checked
 * against BuildKit's parser.
 */
import { describe, expect, it } from 'vitest';
import {
  DockerfileParseError,
  assertKnownInstructions,
  dumpNode,
  encodeGoBytes,
  goQuote,
  nodeArgs,
  parseDockerfile,
  parseWords,
  suggestInstruction,
} from '../../src/dockerfile/index.js';

const dump = (df: string | Uint8Array): string => dumpNode(parseDockerfile(df).ast);

function parseError(df: string | Uint8Array): DockerfileParseError {
  try {
    parseDockerfile(df);
  } catch (err) {
    if (err instanceof DockerfileParseError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('escape directive', () => {
  it.each([
    ['backslash by default', 'FROM a\nRUN echo \\\n  hi\n', '(from "a")\n(run "echo   hi")', '\\'],
    ['backtick', '# escape=`\nFROM a\nRUN echo `\n  hi\n', '(from "a")\n(run "echo   hi")', '`'],
    ['backtick leaves backslash literal', '# escape=`\nFROM a\nRUN dir c:\\\nRUN b\n', '(from "a")\n(run "dir c:\\\\")\n(run "b")', '`'],
    ['key is case-insensitive, blanks allowed', '#  ESCAPE  =  `  \nFROM a `\n  b\n', '(from "a" "b")', '`'],
    ['after syntax', '# syntax=docker/dockerfile:1\n# escape=`\nFROM a `\nb\n', '(from "a" "b")', '`'],
    ['ignored after a comment', '# hello\n# escape=`\nFROM a `\n', '(from "a" "`")', '\\'],
    ['ignored after a blank line', '\n# escape=`\nFROM a `\n', '(from "a" "`")', '\\'],
    ['ignored after an instruction', 'FROM a\n# escape=`\nRUN b `\n', '(from "a")\n(run "b `")', '\\'],
    ['unknown directive ends directives', '# foo=bar\n# escape=`\nFROM a `\n', '(from "a" "`")', '\\'],
    ['leading blanks before # are fine', '   # escape=`\nFROM a `\nb\n', '(from "a" "b")', '`'],
  ])('%s', (_name, df, want, token) => {
    const result = parseDockerfile(df);
    expect(dumpNode(result.ast)).toBe(want);
    expect(result.escapeToken).toBe(token);
  });

  it('reports the directives it honoured, with lines', () => {
    const { directives } = parseDockerfile('# syntax=docker/dockerfile:1.7\n#check=skip=all\n# escape=`\n# unknown=1\n# escape=x\nFROM a\n');
    expect(directives).toEqual([
      { name: 'syntax', value: 'docker/dockerfile:1.7', line: 1 },
      { name: 'check', value: 'skip=all', line: 2 },
      { name: 'escape', value: '`', line: 3 },
    ]);
  });

  it.each([
    ['# escape=x\nFROM a\n', "Dockerfile:1: invalid escape token 'x' does not match ` or \\"],
    ['# syntax=a\n# escape=\\\n# escape=`\nFROM a\n', 'Dockerfile:3: only one escape parser directive can be used'],
    ['# syntax=a\n# SYNTAX=b\nFROM a\n', 'Dockerfile:2: only one syntax parser directive can be used'],
  ])('rejects %j', (df, message) => {
    expect(() => parseDockerfile(df)).toThrow(message);
  });

  it('does not treat an escaped escape token as a continuation', () => {
    expect(dump('FROM a\nENV C trailing\\\\backslash\\\\\nRUN b\n')).toBe(
      '(from "a")\n(env "C" "trailing\\\\\\\\backslash\\\\\\\\" "")\n(run "b")',
    );
  });
});

describe('continuations and comments', () => {
  it.each([
    ['comment lines inside a continuation are dropped', 'RUN a \\\n# c\n  b\n', '(run "a   b")'],
    ['continuation lines are not left-trimmed', 'RUN a\\\n   b\n', '(run "a   b")'],
    ['a lone escape line continues', 'RUN a \\\n\\\nb\n', '(run "a b")'],
    ['EOF ends a continued instruction', 'RUN a \\', '(run "a")'],
    ['CRLF line endings', 'FROM a\r\nRUN b \\\r\n c\r\n', '(from "a")\n(run "b  c")'],
    ['BOM on the first line', '\ufeffFROM a\n', '(from "a")'],
    ['trailing blanks after the escape', 'RUN a \\  \t\n b\n', '(run "a  b")'],
  ])('%s', (_name, df, want) => {
    expect(dump(df)).toBe(want);
  });

  it('warns about empty continuation lines (TestParseWarnsOnEmptyContinutationLine)', () => {
    const df = [
      '',
      'FROM alpine:3.6',
      '',
      'RUN valid \\',
      '    continuation',
      '',
      'RUN something \\',
      '',
      '    following \\',
      '',
      '    more',
      '',
      'RUN another \\',
      '',
      '    thing',
      '',
      'RUN non-indented \\',
      '# this is a comment',
      '   after-comment',
      '',
      'RUN indented \\',
      '    # this is an indented comment',
      '    comment',
      '\t',
    ].join('\n');
    const { warnings } = parseDockerfile(df);
    expect(warnings.map((w) => [w.short, w.startLine])).toEqual([
      ['Empty continuation line found in: RUN something     following     more', 11],
      ['Empty continuation line found in: RUN another     thing', 15],
    ]);
    expect(warnings[0]!.detail[0]).toContain('will become errors in a future release');
    expect(warnings[0]!.url).toBe('https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/');
  });

  it('keeps the comments right above an instruction', () => {
    const { ast } = parseDockerfile('# syntax=x\n# one\n#two\nFROM a\n# three\n#\n# four\nRUN b\nRUN c\n');
    expect(ast.children.map((c) => c.prevComment)).toEqual([['one', 'two'], ['four'], []]);
  });
});

describe('errors name the line', () => {
  it.each([
    ['FROM a\n\n\nENV PATH\n', 'Dockerfile:4: ENV must have two arguments', 4, 4],
    ['FROM a\nLABEL a=b \\\n  c\n', 'Dockerfile:2: Syntax error - can\'t find = in "c". Must be of the form: name=value', 2, 3],
    ['FROM a\nCMD [ "echo", [ "nested json" ] ]\n', 'Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only', 2, 2],
    ['FROM a\nRUN <<EOF\nnever ends\n', 'Dockerfile:2: unterminated heredoc', 2, 3],
    ['# only a comment\n\n', 'Dockerfile: file with no instructions', 0, 0],
    ['', 'Dockerfile: file with no instructions', 0, 0],
  ])('%j', (df, message, start, end) => {
    const err = parseError(df);
    expect(err.message).toBe(message);
    expect([err.startLine, err.endLine]).toEqual([start, end]);
    expect(err.code).toBe('invalid-argument');
  });

  it('uses the file name it is given', () => {
    expect(() => parseDockerfile('FROM a\nENV X\n', { fileName: 'build/Dockerfile.dev' })).toThrow(
      'build/Dockerfile.dev:2: ENV must have two arguments',
    );
  });

  it('rejects a line longer than 65535 bytes (TestParseReturnsScannerErrors)', () => {
    const df = `\n\t\tFROM image\n\t\tLABEL test=${'a'.repeat(65536)}\n`;
    expect(() => parseDockerfile(df)).toThrow('Dockerfile:3: dockerfile line greater than max allowed size of 65535');
    expect(() => parseDockerfile(`FROM a\nRUN ${'a'.repeat(65531)}\n`)).not.toThrow();
  });

  it('keeps unknown instructions by default, as BuildKit parser does', () => {
    expect(dump('FROM a\nFOO bar\n')).toBe('(from "a")\n(foo "")');
  });

  it.each([
    ['FROM a\n\nRUN x\n\n\n\nFOO bar\n', 'Dockerfile:7: unknown instruction: FOO'],
    ['FROM a\nRUNN x\n', 'Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)'],
    ['FROM a\ncopyy x y\n', 'Dockerfile:2: unknown instruction: copyy (did you mean copy?)'],
    ['FROM a\nEnvv x y\n', 'Dockerfile:2: unknown instruction: Envv (did you mean env?)'],
  ])('rejects unknown instructions on request: %j', (df, message) => {
    expect(() => parseDockerfile(df, { rejectUnknownInstructions: true })).toThrow(message);
    expect(() => assertKnownInstructions(parseDockerfile(df).ast)).toThrow(message);
  });

  it('suggests only close instruction names', () => {
    expect(suggestInstruction('XYZZY')).toBeUndefined();
    expect(suggestInstruction('WORKDIT')).toBe('WORKDIR');
    expect(suggestInstruction('run')).toBeUndefined();
  });
});

describe('instruction shapes', () => {
  it.each([
    ['ENV a b c', '(env "a" "b c" "")'],
    ['ENV a=b c="d e" f=', '(env "a" "b" "=" "c" "\\"d e\\"" "=" "f" "" "=")'],
    ['LABEL "a b"=c', '(label "\\"a b\\"" "c" "=")'],
    ['ARG a="1 2" b', '(arg "a=\\"1 2\\"" "b")'],
    ['MAINTAINER Jane Doe <jane@example.com>', '(maintainer "Jane Doe <jane@example.com>")'],
    ['ONBUILD RUN ["echo", "x"]', '(onbuild (run "echo" "x"))'],
    ['ONBUILD ONBUILD COPY a b', '(onbuild (onbuild (copy "a" "b")))'],
    ['HEALTHCHECK NONE', '(healthcheck "NONE")'],
    ['HEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1', '(healthcheck ["--interval=5s"] "CMD" "curl -f http://x/ || exit 1")'],
    ['COPY --from=build --chmod=755 ["a b", "c"]', '(copy ["--from=build" "--chmod=755"] "a b" "c")'],
    ['COPY "a b" c', '(copy "\\"a" "b\\"" "c")'],
    ['COPY --from="my stage" -- --weird /x', '(copy ["--from=my stage"] "--weird" "/x")'],
    ['RUN ["echo" , "\\u00e9"]', '(run "echo" "é")'],
    ["RUN ['single']", '(run "[\'single\']")'],
    ['RUN [1e999]', '(run "[1e999]")'],
    ['CMD []', '(cmd)'],
    ['EXPOSE 80/tcp\t443', '(expose "80/tcp" "443")'],
    ['USER', '(user)'],
    ['VOLUME ["/a", "/b"]', '(volume "/a" "/b")'],
    ['from --platform=$BUILDPLATFORM golang AS build', '(from ["--platform=$BUILDPLATFORM"] "golang" "AS" "build")'],
  ])('%s', (line, want) => {
    expect(dump(line)).toBe(want);
  });

  it('marks exec form, keeps the original line and gives the arguments', () => {
    const { ast } = parseDockerfile('FROM a\nCMD ["a", "b"]\nCMD a b\n');
    const [, exec, shell] = ast.children;
    expect(exec!.attributes).toEqual({ json: true });
    expect(nodeArgs(exec!)).toEqual(['a', 'b']);
    expect(shell!.attributes).toEqual({});
    expect(nodeArgs(shell!)).toEqual(['a b']);
    expect(exec!.original).toBe('CMD ["a", "b"]');
  });

  it('splits words like BuildKit parseWords (TestParseWords)', () => {
    const table: [string, string[]][] = [
      ['foo', ['foo']],
      ['foo bar', ['foo', 'bar']],
      ['foo\\ bar', ['foo\\ bar']],
      ['foo=bar', ['foo=bar']],
      ["foo bar 'abc xyz'", ['foo', 'bar', "'abc xyz'"]],
      ['foo bar "abc xyz"', ['foo', 'bar', '"abc xyz"']],
      ['àöû', ['àöû']],
      ['föo bàr "âbc xÿz"', ['föo', 'bàr', '"âbc xÿz"']],
      ["a'b\\'c d", ["a'b\\'c", 'd']],
      ['a\\', ['a']],
    ];
    for (const [input, want] of table) expect(parseWords(input, '\\')).toEqual(want);
  });
});

describe('Go text compatibility', () => {
  it.each([
    ['plain', '"plain"'],
    ['" \\ / \b \f \n \r \t \u0000', '"\\" \\\\ / \\b \\f \\n \\r \\t \\x00"'],
    ['♥ 한국어', '"♥ 한국어"'],
    ['\u00a0\u200b\u2028', '"\\u00a0\\u200b\\u2028"'],
    ['\u{1F600}\u{E0001}', '"😀\\U000e0001"'],
    ['\x07\x0b\x7f', '"\\a\\v\\x7f"'],
  ])('goQuote(%j)', (input, want) => {
    expect(goQuote(input)).toBe(want);
  });

  it('lower-cases instruction words with Go rules in dumps', () => {
    expect(dump('FROM a\nRUNΣ x\n')).toBe('(from "a")\n(runσ "")');
  });

  it('keeps invalid UTF-8 bytes and dumps them as \\x escapes', () => {
    const bytes = Uint8Array.from([...Buffer.from('FROM a\nRUN x'), 0xff, 0x0a]);
    const result = parseDockerfile(bytes);
    expect(dumpNode(result.ast)).toBe('(from "a")\n(run "x\\xff")');
    expect(encodeGoBytes(nodeArgs(result.ast.children[1]!)[0]!)).toEqual(Uint8Array.from([0x78, 0xff]));
  });

  it('reproduces BuildKit byte-wise flag parsing (non-ASCII flag values)', () => {
    expect(dump('COPY --from=ñ a b')).toBe('(copy ["--from=Ã±"] "a" "b")');
    expect(dump('HEALTHCHECK CMD\u00a0x')).toBe('(healthcheck "CMD\\xc2" "x")');
  });
});
