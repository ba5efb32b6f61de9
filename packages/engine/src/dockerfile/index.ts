/**
 * The front half of a BuildKit-compatible Dockerfile frontend, mirroring
 * BuildKit's `frontend/dockerfile` packages:
 *
 * - parser: bytes → AST with line ranges ({@link parseDockerfile}), dumped
 *   in BuildKit's `Node.Dump()` format by {@link dumpNode};
 * - shell: variable expansion and word splitting ({@link ShellLexer});
 * - .dockerignore: {@link readDockerignore} and {@link createIgnoreMatcher}.
 *
 * Text is handled as Go would: where a Dockerfile holds invalid UTF-8, each
 * bad byte is carried as a "byte escape" code point (U+DC80..U+DCFF);
 * {@link encodeGoBytes} turns such strings back into the original bytes.
 */
export {
  type Directive,
  type Heredoc,
  type Node,
  type ParseOptions,
  type ParseResult,
  type ParseWarning,
  DirectiveParser,
  DockerfileParseError,
  KNOWN_INSTRUCTIONS,
  assertKnownInstructions,
  chompHeredocContent,
  dumpNode,
  heredocsFromLine,
  newNode,
  nodeArgs,
  parseDockerfile,
  parseHeredoc,
  parseWords,
  suggestInstruction,
} from './parser/index.js';
export {
  type EnvGetter,
  type EnvOptions,
  type LexerOptions,
  type ProcessWordResult,
  type ShellEnv,
  ShellLexer,
  envFromList,
  envFromRecord,
  processWord,
  processWords,
} from './shell/index.js';
export { type IgnoreMatcher, type IgnorePattern, createIgnoreMatcher, readDockerignore } from './dockerignore.js';
export { encodeGoBytes, decodeGoBytes } from './text/go-bytes.js';
export { goQuote } from './text/go-quote.js';
