/**
 * The Dockerfile AST, shaped like BuildKit's `parser.Node`: a root whose
 * `children` are the instructions; each instruction's arguments form the
 * singly linked `next` list. Only ONBUILD's argument node has `children`
 * (the wrapped instruction).
 */

/** A heredoc attached to an ADD/COPY/RUN instruction (`<<EOF` ... `EOF`). */
export interface Heredoc {
  /** The delimiter word with quotes removed (`<<"EOF"` gives `EOF`). */
  name: string;
  /** The number before `<<` (`3<<EOF`), 0 when absent. */
  fileDescriptor: number;
  /** False when any part of the delimiter was quoted: the body is not expanded. */
  expand: boolean;
  /** True for `<<-`: leading tabs are to be stripped ({@link chompHeredocContent}). */
  chomp: boolean;
  /** The body lines exactly as read, line endings included, tabs not yet stripped. */
  content: string;
}

/** One AST node. Line numbers are 1-based; argument nodes have 0. */
export interface Node {
  /** The instruction word as written (`FROM`, `from`...) or an argument value. */
  value: string;
  /** The next argument, or null at the end of the list. */
  next: Node | null;
  /** The root's instructions, or ONBUILD's wrapped instruction. */
  children: Node[];
  /** Heredocs read after this instruction, in order. */
  heredocs: Heredoc[];
  /** `json: true` when the arguments were written as a JSON array (exec form). */
  attributes: Record<string, boolean>;
  /** The instruction's logical line: continuations joined, escapes removed. */
  original: string;
  /** Flags before the arguments (`--from=build`), quotes and escapes removed. */
  flags: string[];
  startLine: number;
  endLine: number;
  /** The comment lines directly above the instruction (`#` and blanks removed). */
  prevComment: string[];
}

/** A non-fatal finding; BuildKit reports empty continuation lines this way. */
export interface ParseWarning {
  short: string;
  detail: string[];
  url: string;
  /** The physical lines the warning points at (1-based). */
  startLine: number;
  endLine: number;
}

/** A parser directive (`# syntax=...`, `# escape=...`, `# check=...`). */
export interface Directive {
  name: 'syntax' | 'escape' | 'check';
  value: string;
  /** 1-based physical line. */
  line: number;
}

/** Everything {@link parseDockerfile} returns. */
export interface ParseResult {
  ast: Node;
  escapeToken: '\\' | '`';
  warnings: ParseWarning[];
  directives: Directive[];
}

/** A node with every field defaulted. */
export function newNode(init: Partial<Node> = {}): Node {
  return {
    value: '',
    next: null,
    children: [],
    heredocs: [],
    attributes: {},
    original: '',
    flags: [],
    startLine: 0,
    endLine: 0,
    prevComment: [],
    ...init,
  };
}

/** Links plain values into a `next` list; returns its head (null when empty). */
export function nodeList(values: readonly string[]): Node | null {
  let head: Node | null = null;
  for (let i = values.length - 1; i >= 0; i--) head = newNode({ value: values[i]!, next: head });
  return head;
}

/** The values along an instruction's `next` list (its arguments). */
export function nodeArgs(instruction: Node): string[] {
  const out: string[] = [];
  for (let n = instruction.next; n !== null; n = n.next) out.push(n.value);
  return out;
}
