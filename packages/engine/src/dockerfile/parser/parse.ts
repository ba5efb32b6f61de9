/**
 * The Dockerfile parser (BuildKit's `parser.Parse`): bytes in, AST of
 * instructions with 1-based line ranges out. Handles parser directives,
 * comments, line continuations with the active escape token, empty
 * continuation lines (a warning), and heredoc bodies.
 */
import { decodeGoBytes, encodeGoBytes } from '../text/go-bytes.js';
import { goTrimLeftSpace, goTrimSpace } from '../text/unicode.js';
import { defaultEscape, DirectiveParser, type EscapeState, escapeState, trimContinuation } from './directives.js';
import { DockerfileParseError, UnlocatedParseError } from './errors.js';
import { canContainHeredoc, heredocsFromLine } from './heredoc.js';
import { newNodeFromLine } from './instruction.js';
import { assertKnownInstructions } from './known.js';
import { LineReader, MAX_LINE_BYTES, trimNewline } from './lines.js';
import { type Directive, type Node, newNode, type ParseResult, type ParseWarning } from './node.js';

/** Options for {@link parseDockerfile}. */
export interface ParseOptions {
  /** Name used in error messages (`<fileName>:<line>: ...`). Default "Dockerfile". */
  fileName?: string;
  /**
   * Also fail on instructions BuildKit does not know (`unknown instruction:
   * FOO`), as its instruction layer does. Default false: like BuildKit's
   * parser, keep them as nodes with one empty argument.
   */
  rejectUnknownInstructions?: boolean;
}

const EMPTY_CONTINUATION_URL = 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/';

/**
 * Parses a Dockerfile. Throws {@link DockerfileParseError} (a
 * `DrydockError('invalid-argument')`) naming the line for: a bad or repeated
 * directive, malformed ENV/LABEL, a JSON array with non-strings, an
 * unterminated heredoc, a line over 65535 bytes, or a file with no
 * instructions. Strings are taken as UTF-8 text; bytes are decoded as UTF-8.
 */
export function parseDockerfile(input: Uint8Array | string, options: ParseOptions = {}): ParseResult {
  const fileName = options.fileName ?? 'Dockerfile';
  const fail = (err: unknown, start: number, end = start): never => {
    if (err instanceof UnlocatedParseError) throw new DockerfileParseError(fileName, err.message, start, end);
    throw err;
  };
  const reader = new LineReader(input);
  const directiveParser = new DirectiveParser();
  const directives: Directive[] = [];
  const warnings: ParseWarning[] = [];
  const root = newNode({ startLine: -1 });
  let escape: EscapeState = defaultEscape();
  let comments: string[] = [];
  let currentLine = 0;

  /** Strips the ending (and left blanks), feeds the directive parser, blanks comments. */
  const processLine = (raw: string, stripLeft: boolean): [string, boolean] => {
    let token = trimNewline(raw);
    if (stripLeft) token = goTrimLeftSpace(token);
    const directive = directiveParser.parseLine(token);
    if (directive) {
      if (directive.name === 'escape') escape = escapeState(directive.value);
      directives.push(directive);
    }
    return [isComment(token) ? '' : token, directive !== undefined];
  };

  for (let raw = reader.next(); raw !== undefined; raw = reader.next()) {
    if (currentLine === 0 && raw.startsWith('\ufeff')) raw = raw.slice(1);
    if (isComment(raw)) {
      const comment = goTrimSpace(decodeGoBytes(encodeGoBytes(raw).subarray(1)));
      if (comment === '') comments = [];
      else comments.push(comment);
    }
    let first: string;
    try {
      let isDirective: boolean;
      [first, isDirective] = processLine(raw, true);
      if (isDirective) comments.pop();
    } catch (err) {
      return fail(err, currentLine + 1);
    }
    currentLine++;
    const startLine = currentLine;

    let [text, isEndOfLine] = trimContinuation(first, escape);
    if (isEndOfLine && text === '') continue;
    let line = text;
    let hasEmptyContinuation = false;
    while (!isEndOfLine) {
      const next = reader.next();
      if (next === undefined) break;
      const [cont] = processLine(next, false);
      currentLine++;
      if (isComment(next)) continue;
      if (goTrimLeftSpace(cont) === '') {
        hasEmptyContinuation = true;
        continue;
      }
      [text, isEndOfLine] = trimContinuation(cont, escape);
      line += text;
    }

    if (hasEmptyContinuation) {
      warnings.push({
        short: 'Empty continuation line found in: ' + line,
        detail: ['Empty continuation lines will become errors in a future release'],
        url: EMPTY_CONTINUATION_URL,
        startLine: currentLine,
        endLine: currentLine,
      });
    }

    let child: Node;
    try {
      child = newNodeFromLine(line, escape.token, comments);
      if (canContainHeredoc(child) && line.includes('<<')) {
        for (const doc of heredocsFromLine(line)) {
          let terminated = false;
          let content = doc.content;
          for (let body = reader.next(); body !== undefined; body = reader.next()) {
            currentLine++;
            let candidate = trimNewline(body);
            if (doc.chomp) candidate = candidate.replace(/^\t+/, '');
            if (candidate === doc.name) {
              terminated = true;
              break;
            }
            content += body;
          }
          if (!terminated) throw new UnlocatedParseError('unterminated heredoc');
          child.heredocs.push({ ...doc, content });
        }
      }
    } catch (err) {
      return fail(err, startLine, currentLine);
    }

    child.startLine = startLine;
    child.endLine = currentLine;
    if (root.startLine < 0) root.startLine = startLine;
    root.endLine = currentLine;
    root.children.push(child);
    comments = [];
  }

  if (root.startLine < 0) return fail(new UnlocatedParseError('file with no instructions'), 0);
  if (reader.tooLong) {
    return fail(
      new UnlocatedParseError(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`),
      currentLine + 1,
    );
  }
  if (options.rejectUnknownInstructions) assertKnownInstructions(root, fileName);
  return { ast: root, escapeToken: escape.token, warnings, directives };
}

/** A line whose first non-blank character is `#`. */
function isComment(line: string): boolean {
  return goTrimLeftSpace(line).startsWith('#');
}
