/**
 * Parser for Go's text/template language (the subset Docker CLI
 * `--format` strings use), producing the tree `go-template.ts` executes.
 * Errors mirror Go's wording, e.g. `template: :1: unexpected "}" in operand`.
 */
import { goQuote } from './go-fmt.js';
import { KEYWORDS, lex, parseNumber, TemplateError, unquote, type Item, type ItemType } from './go-template-lex.js';

export { TemplateError } from './go-template-lex.js';


/** Operand and pipeline nodes. `pos` is the byte offset Go reports in execution errors. */
export type Arg =
  | { k: 'field'; pos: number; idents: string[] }
  | { k: 'var'; pos: number; idents: string[] }
  | { k: 'chain'; pos: number; node: Arg; fields: string[] }
  | { k: 'ident'; pos: number; name: string }
  | { k: 'dot' | 'nil'; pos: number }
  | { k: 'bool'; pos: number; value: boolean }
  | { k: 'number'; pos: number; text: string; value: number; isInt: boolean }
  | { k: 'string'; pos: number; text: string; value: string }
  | Pipe;
/** A pipeline: optional variable declarations, then commands joined by `|`. */
export interface Pipe { k: 'pipe'; pos: number; decl: Array<{ k: 'var'; pos: number; idents: string[] }>; isAssign: boolean; cmds: Cmd[] }
/** One command of a pipeline: a function, field, variable or constant with arguments. */
export interface Cmd { k: 'cmd'; pos: number; args: Arg[] }
/** An `if`, `with` or `range` block with its optional else branch. */
export interface ControlNode { k: 'if' | 'with' | 'range'; pos: number; pipe: Pipe; list: TNode[]; elseList: TNode[] | null }
/** Template tree nodes. */
export type TNode =
  | { k: 'text'; pos: number; text: string }
  | { k: 'action'; pos: number; pipe: Pipe }
  | ControlNode
  | { k: 'template'; pos: number; name: string; pipe: Pipe | null }
  | { k: 'break' | 'continue'; pos: number };
type Marker = { k: 'end' | 'else'; pos: number };
const isMarker = (n: TNode | Marker): n is Marker => n.k === 'end' || n.k === 'else';

/** Go's `Node.String()` for operands, commands and pipelines (used in error contexts). */
export function nodeString(n: Arg | Cmd): string {
  switch (n.k) {
    case 'field': return '.' + n.idents.join('.');
    case 'var': return n.idents.join('.');
    case 'chain': return (n.node.k === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + '.' + n.fields.join('.');
    case 'ident': return n.name;
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return String(n.value);
    case 'number': case 'string': return n.text;
    case 'cmd': return n.args.map((a) => (a.k === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'pipe': {
      const decl = n.decl.length ? n.decl.map(nodeString).join(', ') + ' := ' : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
  }
}


/** Parses a template into its node list, checking function names with `hasFunc`. */
/** A parsed template: its body plus the templates named by `{{define}}`/`{{block}}`. */
export interface ParsedTemplate { root: TNode[]; defs: Map<string, TNode[]> }

const isEmptyList = (list: readonly TNode[]): boolean => list.every((n) => n.k === 'text' && n.text.trim() === '');

/** Parses a template, checking function names with `hasFunc`. @throws TemplateError */
export function parseTemplate(src: string, hasFunc: (name: string) => boolean): ParsedTemplate {
  const items = lex(src);
  let i = 0;
  let far = 0;
  let vars = ['$'];
  let rangeDepth = 0;
  let actionLine = 0;
  const next = (): Item => { const it = items[Math.min(i, items.length - 1)]!; far = Math.max(far, Math.min(i, items.length - 1)); i++; return it; };
  const peek = (): Item => { const it = next(); i--; return it; };
  const nextNonSpace = (): Item => { let it = next(); while (it.t === 'space') it = next(); return it; };
  const peekNonSpace = (): Item => { const it = nextNonSpace(); i--; return it; };
  const errorf = (msg: string): never => { throw new TemplateError(`template: :${items[far]!.line}: ${msg}`); };
  const itemStr = (it: Item): string => {
    if (it.t === 'eof') return 'EOF';
    if (it.t === 'error') return it.v;
    if (KEYWORDS.has(it.t) || it.t === 'dot') return `<${it.v}>`;
    const runes = Array.from(it.v);
    return runes.length > 10 ? goQuote(runes.slice(0, 10).join('')) + '...' : goQuote(it.v);
  };
  const unexpected = (it: Item, context: string): never => {
    if (it.t === 'error') {
      let extra = '';
      if (actionLine !== 0 && actionLine !== it.line) {
        extra = ` in action started at :${actionLine}`;
        if (it.v.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      return errorf(it.v + extra);
    }
    return errorf(`unexpected ${itemStr(it)} in ${context}`);
  };
  const expect = (t: ItemType, context: string): Item => {
    const it = nextNonSpace();
    return it.t === t ? it : unexpected(it, context);
  };

  const term = (): Arg | null => {
    const it = nextNonSpace();
    switch (it.t) {
      case 'ident':
        if (!hasFunc(it.v)) errorf(`function ${goQuote(it.v)} not defined`);
        return { k: 'ident', pos: it.pos, name: it.v };
      case 'dot': return { k: 'dot', pos: it.pos };
      case 'nil': return { k: 'nil', pos: it.pos };
      case 'var':
        if (!vars.includes(it.v)) errorf(`undefined variable ${goQuote(it.v)}`);
        return { k: 'var', pos: it.pos, idents: [it.v] };
      case 'field': return { k: 'field', pos: it.pos, idents: [it.v.slice(1)] };
      case 'bool': return { k: 'bool', pos: it.pos, value: it.v === 'true' };
      case 'char': case 'number': {
        let n: { value: number; isInt: boolean } | undefined;
        if (it.t === 'char') {
          const s = unquote(it.v);
          if (s === undefined || Array.from(s).length !== 1) return errorf(`malformed character constant: ${it.v}`);
          n = { value: s.codePointAt(0)!, isInt: true };
        } else n = parseNumber(it.v);
        if (!n) return errorf(`illegal number syntax: ${goQuote(it.v)}`);
        return { k: 'number', pos: it.pos, text: it.v, ...n };
      }
      case 'lparen': return pipeline('parenthesized pipeline', 'rparen');
      case 'string': case 'raw': {
        const s = unquote(it.v);
        if (s === undefined) errorf('invalid syntax');
        return { k: 'string', pos: it.pos, text: it.v, value: s! };
      }
    }
    i--;
    return null;
  };

  const operand = (): Arg | null => {
    const node = term();
    if (!node || peek().t !== 'field') return node;
    const pos = peek().pos;
    const fields: string[] = [];
    while (peek().t === 'field') fields.push(next().v.slice(1));
    switch (node.k) {
      case 'field': case 'var': return { k: node.k, pos, idents: [...node.idents, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        return errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      default: return { k: 'chain', pos, node, fields };
    }
  };

  const command = (): Cmd => {
    const cmd: Cmd = { k: 'cmd', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op) cmd.args.push(op);
      const it = next();
      if (it.t === 'space') continue;
      if (it.t === 'rd' || it.t === 'rparen') i--;
      else if (it.t !== 'pipe') unexpected(it, 'operand');
      break;
    }
    if (cmd.args.length === 0) errorf('empty command');
    return cmd;
  };

  const pipeline = (context: string, end: ItemType): Pipe => {
    const pipe: Pipe = { k: 'pipe', pos: peekNonSpace().pos, decl: [], isAssign: false, cmds: [] };
    for (let v = peekNonSpace(); v.t === 'var'; v = peekNonSpace()) {
      const at = i;
      next();
      const nx = peekNonSpace();
      if (nx.t === 'assign' || nx.t === 'declare') {
        pipe.isAssign = nx.t === 'assign';
        nextNonSpace();
        pipe.decl.push({ k: 'var', pos: v.pos, idents: [v.v] });
        vars.push(v.v);
        break;
      }
      if (nx.t === 'chr' && nx.v === ',') {
        nextNonSpace();
        pipe.decl.push({ k: 'var', pos: v.pos, idents: [v.v] });
        vars.push(v.v);
        if (context === 'range' && pipe.decl.length < 2) {
          if (['var', 'rd', 'rparen'].includes(peekNonSpace().t)) continue;
          errorf('range can only initialize variables');
        }
        errorf(`too many declarations in ${context}`);
      }
      i = at;
      break;
    }
    for (;;) {
      const it = nextNonSpace();
      if (it.t === end) {
        if (pipe.cmds.length === 0) errorf(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, n) => {
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0]!.k)) errorf(`non executable command in pipeline stage ${n + 2}`);
        });
        return pipe;
      }
      if (!['bool', 'char', 'number', 'dot', 'field', 'ident', 'nil', 'raw', 'string', 'var', 'lparen'].includes(it.t)) unexpected(it, context);
      i--;
      pipe.cmds.push(command());
    }
  };

  const itemList = (): [TNode[], Marker] => {
    const list: TNode[] = [];
    while (peekNonSpace().t !== 'eof') {
      const n = textOrAction();
      if (isMarker(n)) return [list, n];
      list.push(n);
    }
    return errorf('unexpected EOF');
  };

  const control = (k: 'if' | 'with' | 'range'): TNode => {
    const saved = vars.length;
    const pipe = pipeline(k, 'rd');
    if (k === 'range') rangeDepth++;
    const [list, marker] = itemList();
    if (k === 'range') rangeDepth--;
    let elseList: TNode[] | null = null;
    if (marker.k === 'else') {
      if (k !== 'range' && peek().t === k) {
        next();
        elseList = [control(k)];
      } else {
        const [l, m] = itemList();
        if (m.k !== 'end') errorf('expected end; found {{else}}');
        elseList = l;
      }
    }
    vars = vars.slice(0, saved);
    return { k, pos: pipe.pos, pipe, list, elseList };
  };

  const defs = new Map<string, TNode[]>();
  const templateName = (context: string): [string, Item] => {
    const it = nextNonSpace();
    if (it.t !== 'string' && it.t !== 'raw') return unexpected(it, context);
    const name = unquote(it.v);
    return name === undefined ? errorf('invalid syntax') : [name, it];
  };
  const definition = (name: string, context: string): void => {
    const saved = [vars, rangeDepth] as const;
    vars = ['$'];
    rangeDepth = 0;
    const [list, end] = itemList();
    if (end.k !== 'end') errorf(`unexpected {{else}} in ${context}`);
    [vars, rangeDepth] = saved;
    const old = defs.get(name);
    if (!old || isEmptyList(old)) defs.set(name, list);
    else if (!isEmptyList(list)) errorf(`template: multiple definition of template ${goQuote(name)}`);
  };

  const action = (): TNode | Marker => {
    const it = nextNonSpace();
    switch (it.t) {
      case 'template': {
        const [name, tok] = templateName('template clause');
        let pipe: Pipe | null = null;
        if (nextNonSpace().t !== 'rd') { i--; pipe = pipeline('template clause', 'rd'); }
        return { k: 'template', pos: tok.pos, name, pipe };
      }
      case 'block': {
        const [name, tok] = templateName('block clause');
        const pipe = pipeline('block clause', 'rd');
        definition(name, 'block clause');
        return { k: 'template', pos: tok.pos, name, pipe };
      }
      case 'break': case 'continue':
        { const tk = nextNonSpace(); if (tk.t !== 'rd') unexpected(tk, `{{${it.t}}}`); }
        if (rangeDepth === 0) errorf(`{{${it.t}}} outside {{range}}`);
        return { k: it.t, pos: it.pos };
      case 'else': {
        const p = peekNonSpace();
        return { k: 'else', pos: p.t === 'if' || p.t === 'with' ? p.pos : expect('rd', 'else').pos };
      }
      case 'end': return { k: 'end', pos: expect('rd', 'end').pos };
      case 'if': case 'with': case 'range': return control(it.t);
    }
    i--;
    const pos = peek().pos;
    return { k: 'action', pos, pipe: pipeline('command', 'rd') };
  };

  const textOrAction = (): TNode | Marker => {
    const it = nextNonSpace();
    if (it.t === 'text') return { k: 'text', pos: it.pos, text: it.v };
    if (it.t !== 'ld') return unexpected(it, 'input');
    actionLine = it.line;
    try {
      return action();
    } finally {
      actionLine = 0;
    }
  };

  const root: TNode[] = [];
  while (peek().t !== 'eof') {
    if (peek().t === 'ld') {
      const at = i;
      next();
      if (nextNonSpace().t === 'define') {
        const [name] = templateName('define clause');
        expect('rd', 'define clause');
        definition(name, 'define clause');
        continue;
      }
      i = at;
    }
    const n = textOrAction();
    if (isMarker(n)) return errorf(`unexpected {{${n.k}}}`);
    root.push(n);
  }
  return { root, defs };
}
