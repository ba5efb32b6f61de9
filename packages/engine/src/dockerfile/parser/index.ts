/**
 * BuildKit-compatible Dockerfile parser (`frontend/dockerfile/parser`):
 * {@link parseDockerfile} turns bytes into an AST, {@link dumpNode} prints it
 * in BuildKit's `Node.Dump()` format.
 */
export { parseDockerfile, type ParseOptions } from './parse.js';
export { dumpNode } from './dump.js';
export {
  type Directive,
  type Heredoc,
  type Node,
  type ParseResult,
  type ParseWarning,
  newNode,
  nodeArgs,
} from './node.js';
export { DockerfileParseError } from './errors.js';
export { DirectiveParser } from './directives.js';
export { chompHeredocContent, heredocsFromLine, parseHeredoc } from './heredoc.js';
export { KNOWN_INSTRUCTIONS } from './instruction.js';
export { assertKnownInstructions, suggestInstruction } from './known.js';
export { parseWords } from './words.js';
