/**
 * Heredocs: the tables of BuildKit's parser_heredoc_test.go (ported as data)
 * plus line numbers, errors and edge cases checked against BuildKit.
 */
import { describe, expect, it } from 'vitest';
import {
  type Heredoc,
  chompHeredocContent,
  dumpNode,
  heredocsFromLine,
  parseDockerfile,
  parseHeredoc,
} from '../../src/dockerfile/index.js';

const doc = (name: string, content: string, extra: Partial<Heredoc> = {}): Heredoc => ({
  name,
  content,
  expand: true,
  chomp: false,
  fileDescriptor: 0,
  ...extra,
});

describe('heredoc extraction (TestParseExtractsHeredoc)', () => {
  const dockerfile = [
    '',
    'FROM alpine:3.6',
    '',
    'ENV NAME=me',
    '',
    'RUN ls',
    '',
    'USER <<INVALID',
    'INVALID',
    '',
    'RUN <<EMPTY',
    'EMPTY',
    '',
    'RUN 3<<EMPTY2',
    'EMPTY2',
    '',
    'RUN "<<NOHEREDOC"',
    '',
    'RUN <<INDENT',
    '\tfoo',
    '\tbar',
    'INDENT',
    '',
    'RUN <<-UNINDENT',
    '\tbaz',
    '\tquux',
    'UNINDENT',
    '',
    'RUN <<-UNINDENT2',
    '\tbaz',
    '\tquux',
    '\tUNINDENT2',
    '',
    'RUN <<-EXPAND',
    '\texpand $NAME',
    'EXPAND',
    '',
    "RUN <<-'NOEXPAND'",
    "\tdon't expand $NAME",
    'NOEXPAND',
    '',
    'RUN <<COPY',
    'echo hello world',
    'echo foo bar',
    'COPY',
    '',
    'RUN <<COMMENT',
    '# internal comment',
    'echo hello world',
    'echo foo bar # trailing comment',
    'COMMENT',
    '',
    'RUN --mount=type=cache,target=/foo <<MOUNT',
    'echo hello',
    'MOUNT',
    '',
    'COPY <<FILE1 <<FILE2 /dest',
    'content 1',
    'FILE1',
    'content 2',
    'FILE2',
    '',
    'COPY <<EOF /quotes',
    '"foo"',
    "'bar'",
    'EOF',
    '',
    'COPY <<X <<Y /dest',
    'Y',
    'X',
    'X',
    'Y',
    '',
    'RUN <<COMPLEX python3',
    "print('hello world')",
    'COMPLEX',
    '',
    'COPY <<file.txt /dest',
    'hello world',
    'file.txt',
    '',
    "RUN <<eo'f'",
    'echo foo',
    'eof',
    '',
    "RUN <<eo\\'f",
    'echo foo',
    "eo'f",
    '',
    "RUN <<'e'o\\'f",
    'echo foo',
    "eo'f",
    '',
    "RUN <<'one two'",
    'echo bar',
    'one two',
    '',
    'RUN <<$EOF',
    '$EOF',
    '',
    'RUN <<  EOF',
    'EOF',
    '',
    'RUN <<  EOF  > foo',
    'EOF',
    '\t',
  ].join('\n');

  // One entry per instruction after FROM.
  const expected: Heredoc[][] = [
    [], // ENV
    [], // RUN ls
    [], // USER <<INVALID (USER cannot have heredocs)
    [], // INVALID (the line after it is an instruction of its own)
    [doc('EMPTY', '')],
    [doc('EMPTY2', '', { fileDescriptor: 3 })],
    [], // RUN "<<NOHEREDOC"
    [doc('INDENT', '\tfoo\n\tbar\n')],
    [doc('UNINDENT', '\tbaz\n\tquux\n', { chomp: true })],
    [doc('UNINDENT2', '\tbaz\n\tquux\n', { chomp: true })],
    [doc('EXPAND', '\texpand $NAME\n', { chomp: true })],
    [doc('NOEXPAND', "\tdon't expand $NAME\n", { chomp: true, expand: false })],
    [doc('COPY', 'echo hello world\necho foo bar\n')],
    [doc('COMMENT', '# internal comment\necho hello world\necho foo bar # trailing comment\n')],
    [doc('MOUNT', 'echo hello\n')],
    [doc('FILE1', 'content 1\n'), doc('FILE2', 'content 2\n')],
    [doc('EOF', '"foo"\n\'bar\'\n')],
    [doc('X', 'Y\n'), doc('Y', 'X\n')],
    [doc('COMPLEX', "print('hello world')\n")],
    [doc('file.txt', 'hello world\n')],
    [doc('eof', 'echo foo\n', { expand: false })],
    [doc("eo'f", 'echo foo\n')],
    [doc("eo'f", 'echo foo\n', { expand: false })],
    [doc('one two', 'echo bar\n', { expand: false })],
    [doc('$EOF', '')],
    [doc('EOF', '')],
    [doc('EOF', '')],
  ];

  const { ast } = parseDockerfile(dockerfile);
  it.each(expected.map((want, i) => ({ i, want, node: ast.children[i + 1]! })))(
    'instruction $i: $node.original',
    ({ node, want }) => {
      expect(node.heredocs).toEqual(want);
    },
  );
  it('finds no more instructions than BuildKit', () => {
    expect(ast.children).toHaveLength(expected.length + 1);
  });
});

describe('JSON-form instructions never take heredocs (TestParseJSONHeredoc)', () => {
  const { ast } = parseDockerfile('\nFROM alpine:3.6\n\nRUN ["whoami"]\nRUN ["<<EOF"]\nRUN ["<<\'EOF\'"]\n\t');
  it.each([1, 2, 3])('child %i', (i) => {
    expect(ast.children[i]!.heredocs).toEqual([]);
  });
});

describe('parseHeredoc (TestParseHeredocHelpers)', () => {
  it.each(['<<EOF', "<<'EOF'", '<<"EOF"', '<<-EOF', "<<-'EOF'", '<<-"EOF"', '<<EO"F"', '<< EOF', '<<- EOF'])(
    'valid: %s',
    (src) => {
      expect(parseHeredoc(src)?.name).toBe('EOF');
    },
  );
  it.each(["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"'])('invalid: %s', (src) => {
    expect(() => parseHeredoc(src)).toThrow();
  });
  it.each(['', 'EOF', '<<', '<<-', '<EOF', '<<<EOF', '<<EOF sh'])('not a heredoc: %j', (src) => {
    expect(parseHeredoc(src)).toBeUndefined();
  });
});

describe('heredocsFromLine (TestHeredocsFromLine)', () => {
  it.each([
    ['RUN <<EOF', ['EOF']],
    ['RUN <<-EOF', ['EOF']],
    // BuildKit's own table expects EOF here but its loop only checks the heredocs
    // returned, and it returns none: "<<-" and "EOF" lex as two words.
    ['RUN <<- EOF', []],
    ['RUN << -EOF', ['-EOF']],
    ["RUN <<'EOF'", ['EOF']],
    ['RUN 4<<EOF', ['EOF']],
    ['RUN <<EOF <<EOF2', ['EOF', 'EOF2']],
    ["RUN '<<EOF'", []],
    ['RUN "<<EOF"', []],
  ])('%s', (line, names) => {
    expect(heredocsFromLine(line).map((h) => h.name)).toEqual(names);
  });
});

describe('chompHeredocContent', () => {
  it('strips leading tabs of every line (TestHeredocChomp)', () => {
    expect(chompHeredocContent('\thello\n\tworld\n')).toBe('hello\nworld\n');
  });
  it('strips only tabs, and only after "\\n" (not "\\r")', () => {
    expect(chompHeredocContent('\t\t a\r\tb\n \tc\n\t\td')).toBe(' a\r\tb\n \tc\nd');
  });
});

describe('heredoc parsing details', () => {
  it('ends the instruction at the terminator line and dumps only the instruction', () => {
    const df = 'FROM a\nCOPY <<EOT /file\nhello\nEOT\nRUN x\n';
    const { ast } = parseDockerfile(df);
    expect(ast.children.map((c) => [c.startLine, c.endLine])).toEqual([
      [1, 1],
      [2, 4],
      [5, 5],
    ]);
    expect(dumpNode(ast)).toBe('(from "a")\n(copy "<<EOT" "/file")\n(run "x")');
    expect(ast.children[1]!.heredocs).toEqual([doc('EOT', 'hello\n')]);
  });

  it('reads several heredocs of one line in order', () => {
    const { ast } = parseDockerfile('FROM a\nRUN <<A cat - <<"B"\na $x\nA\nb $x\nB\n');
    expect(ast.children[1]!.heredocs).toEqual([doc('A', 'a $x\n'), doc('B', 'b $x\n', { expand: false })]);
    expect(ast.children[1]!.endLine).toBe(6);
  });

  it('keeps CRLF endings in the body and accepts a CRLF terminator', () => {
    const { ast } = parseDockerfile('FROM a\r\nRUN <<EOF\r\nx\r\nEOF\r\n');
    expect(ast.children[1]!.heredocs).toEqual([doc('EOF', 'x\r\n')]);
  });

  it('<<- accepts a tab-indented terminator; << does not', () => {
    const chomped = parseDockerfile('FROM a\nRUN <<-EOF\n\tx\n\t\tEOF\n');
    expect(chomped.ast.children[1]!.heredocs).toEqual([doc('EOF', '\tx\n', { chomp: true })]);
    expect(() => parseDockerfile('FROM a\nRUN <<EOF\n\tx\n\tEOF\n')).toThrow('Dockerfile:2: unterminated heredoc');
  });

  it('applies to ONBUILD ADD/COPY/RUN', () => {
    const { ast } = parseDockerfile('FROM a\nONBUILD RUN <<EOF\necho\nEOF\n');
    expect(ast.children[1]!.heredocs).toEqual([doc('EOF', 'echo\n')]);
    expect(dumpNode(ast.children[1]!)).toBe('onbuild (run "<<EOF")');
  });

  it('reads a heredoc body raw: no comments, continuations or directives', () => {
    const { ast } = parseDockerfile('FROM a\nRUN <<EOF\n# escape=`\nline \\\n\nEOF\nRUN b\n');
    expect(ast.children[1]!.heredocs[0]!.content).toBe('# escape=`\nline \\\n\n');
    expect(ast.children[2]!.startLine).toBe(7);
  });

  it('names the instruction lines in an unterminated heredoc error', () => {
    let err: unknown;
    try {
      parseDockerfile('FROM a\nRUN x \\\n  <<EOF\nbody\n');
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe('Dockerfile:2: unterminated heredoc');
    expect(err).toMatchObject({ code: 'invalid-argument', startLine: 2, endLine: 4 });
  });

  it('treats a line that does not lex (unbalanced quote) as having no heredoc', () => {
    const { ast } = parseDockerfile("FROM a\n\nRUN <<'EOF\nEOF\n");
    expect(ast.children[1]!.heredocs).toEqual([]);
    expect(dumpNode(ast)).toBe('(from "a")\n(run "<<\'EOF")\n(eof "")');
  });
});
