/**
 * Per-instruction argument parsers (BuildKit's `line_parsers.go`). Each takes
 * the argument text (flags already removed, trimmed) and returns the head of
 * the argument list plus node attributes. ONBUILD is handled by the caller,
 * which can recurse.
 */
import { decodeGoBytes, encodeGoBytes } from '../text/go-bytes.js';
import { goQuote } from '../text/go-quote.js';
import { isGoSpace } from '../text/unicode.js';
import { UnlocatedParseError } from './errors.js';
import { parseJsonArgs } from './json-args.js';
import { type Node, newNode, nodeList } from './node.js';
import { WHITESPACE_RUN, splitOnceOnWhitespace } from './split-command.js';
import { parseWords } from './words.js';

/** What a line parser produces. */
export interface ParsedArgs {
  next: Node | null;
  attributes: Record<string, boolean>;
}

/** A line parser: argument text and escape token in, argument list out. */
export type LineParser = (rest: string, escapeToken: string) => ParsedArgs;

const plain = (next: Node | null): ParsedArgs => ({ next, attributes: {} });

/** Unknown instructions keep one empty argument, so they dump as `(foo "")`. */
export const parseIgnore: LineParser = () => plain(newNode());

/** MAINTAINER, USER, WORKDIR, STOPSIGNAL: the whole text as one argument. */
export const parseString: LineParser = (rest) => plain(rest === '' ? null : newNode({ value: rest }));

/** FROM, EXPOSE: split on runs of `\t \v \f \r` and space (not quote-aware). */
export const parseStringsWhitespaceDelimited: LineParser = (rest) =>
  plain(rest === '' ? null : nodeList(rest.split(WHITESPACE_RUN)));

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, or the whole text as one argument. */
export const parseMaybeJson: LineParser = (rest) => {
  if (rest === '') return plain(null);
  const json = parseJsonArgs(rest);
  if (json !== undefined) return { next: nodeList(json), attributes: { json: true } };
  return plain(newNode({ value: rest }));
};

/** ADD, COPY, VOLUME: a JSON array, or whitespace-separated words. */
export const parseMaybeJsonToList: LineParser = (rest, esc) => {
  const json = parseJsonArgs(rest);
  if (json !== undefined) return { next: nodeList(json), attributes: { json: true } };
  return parseStringsWhitespaceDelimited(rest, esc);
};

/** ARG: quote-aware words, quotes kept (`a="1 2" b`). */
export const parseNameOrNameVal: LineParser = (rest, esc) => plain(nodeList(parseWords(rest, esc)));

/** ENV: {@link parseNameVal} with "ENV" in its messages. */
export const parseEnv: LineParser = (rest, esc) => plain(parseNameVal(rest, 'ENV', esc));

/** LABEL: {@link parseNameVal} with "LABEL" in its messages. */
export const parseLabel: LineParser = (rest, esc) => plain(parseNameVal(rest, 'LABEL', esc));

/**
 * ENV/LABEL arguments as (key, value, separator) triplets. Legacy form
 * `KEY name value` gives one triplet with separator `""` (error when there is
 * no value); the `name=value ...` form gives one triplet per word with `"="`.
 */
export function parseNameVal(rest: string, key: string, esc: string): Node | null {
  const words = parseWords(rest, esc);
  if (words.length === 0) return null;
  if (!words[0]!.includes('=')) {
    const parts = splitOnceOnWhitespace(rest);
    if (parts.length < 2) throw new UnlocatedParseError(`${key} must have two arguments`);
    return nodeList([parts[0]!, parts[1]!, '']);
  }
  const values: string[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      throw new UnlocatedParseError(
        `Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`,
      );
    }
    values.push(word.slice(0, eq), word.slice(eq + 1), '=');
  }
  return nodeList(values);
}

/**
 * HEALTHCHECK: the first word (`CMD`, `NONE`...) as a node, then the rest
 * parsed like CMD. Scans bytes as Go does (bytes 0x85/0xA0 count as spaces).
 */
export const parseHealthConfig: LineParser = (rest, esc) => {
  const b = encodeGoBytes(rest);
  let sep = 0;
  while (sep < b.length && !isGoSpace(b[sep]!)) sep++;
  let next = sep;
  while (next < b.length && isGoSpace(b[next]!)) next++;
  if (sep === 0) return plain(null);
  const cmd = parseMaybeJson(decodeGoBytes(b.subarray(next)), esc);
  return { next: newNode({ value: decodeGoBytes(b.subarray(0, sep)), next: cmd.next }), attributes: cmd.attributes };
};

/** The parsers by lower-case instruction name (ONBUILD excluded). */
export const LINE_PARSERS: ReadonlyMap<string, LineParser> = new Map([
  ['add', parseMaybeJsonToList],
  ['arg', parseNameOrNameVal],
  ['cmd', parseMaybeJson],
  ['copy', parseMaybeJsonToList],
  ['entrypoint', parseMaybeJson],
  ['env', parseEnv],
  ['expose', parseStringsWhitespaceDelimited],
  ['from', parseStringsWhitespaceDelimited],
  ['healthcheck', parseHealthConfig],
  ['label', parseLabel],
  ['maintainer', parseString],
  ['run', parseMaybeJson],
  ['shell', parseMaybeJson],
  ['stopsignal', parseString],
  ['user', parseString],
  ['volume', parseMaybeJsonToList],
  ['workdir', parseString],
]);
