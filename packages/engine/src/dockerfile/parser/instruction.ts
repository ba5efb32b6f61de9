/**
 * Turns one logical line into an instruction node (BuildKit's
 * `newNodeFromLine`): split off the instruction word and flags, then hand the
 * arguments to the instruction's line parser. Unknown instructions are kept
 * (BuildKit's parser ignores them; its instruction layer rejects them).
 */
import { goToLower } from '../text/unicode.js';
import { type LineParser, LINE_PARSERS, parseIgnore } from './line-parsers.js';
import { type Node, newNode } from './node.js';
import { splitCommand } from './split-command.js';

/** Every instruction BuildKit's parser knows, lower-case. */
export const KNOWN_INSTRUCTIONS: ReadonlySet<string> = new Set([...LINE_PARSERS.keys(), 'onbuild']);

/** Builds the node for `line`; throws UnlocatedParseError on bad arguments. */
export function newNodeFromLine(line: string, escapeToken: string, comments: string[]): Node {
  const { cmd, flags, args } = splitCommand(line, escapeToken);
  const lower = goToLower(cmd);
  const parse: LineParser = lower === 'onbuild' ? parseSubCommand : (LINE_PARSERS.get(lower) ?? parseIgnore);
  const { next, attributes } = parse(args, escapeToken);
  return newNode({ value: cmd, original: line, flags, next, attributes, prevComment: comments });
}

/** ONBUILD: the rest is an instruction of its own, wrapped in one argument node. */
const parseSubCommand: LineParser = (rest, escapeToken) => {
  if (rest === '') return { next: null, attributes: {} };
  const child = newNodeFromLine(rest, escapeToken, []);
  return { next: newNode({ children: [child] }), attributes: {} };
};
