/**
 * A compact interpreter for Go's text/template, enough for Docker CLI
 * `--format` strings: text and actions with `{{-`/`-}}` trimming, comments,
 * fields `.A.B` (plain objects behave like Go maps: a missing key is
 * `<no value>`), `.`/`$`, variables (`$x := …`, `$x = …`), literals, function
 * calls, pipelines, parentheses, `if`/`else if`/`else`, `range` (arrays,
 * objects in sorted key order, integers; `$i, $v :=`; `break`/`continue`),
 * `with`/`else with`, `define`/`template`/`block`, and the Docker + Go
 * builtin functions of `go-funcs.ts`.
 * Object properties that are functions act as Go methods.
 */
import { goQuote, goTypeName, kindOf, sortedKeys } from './go-fmt.js';
import { goPrint } from './go-printf.js';
import { BUILTIN_FUNCS, truth, type FuncMap, type GoFunc, type ParamType } from './go-funcs.js';
import {
  nodeString, parseTemplate, TemplateError, type Arg, type Cmd, type ControlNode, type ParsedTemplate, type Pipe, type TNode,
} from './go-template-parse.js';

export { TemplateError } from './go-template-parse.js';
export { BUILTIN_FUNCS, DOCKER_HEADER_FUNCS, type FuncMap, type GoFunc } from './go-funcs.js';

const MISSING = Symbol('missing');
/** Nesting limit for {{template}} calls (Go allows 100000; JavaScript's stack is smaller). */
const MAX_DEPTH = 1000;
type Final = unknown | typeof MISSING;
class BreakSignal {}
class ContinueSignal {}
const PARAM_NAMES: Record<ParamType, string> = {
  any: 'interface {}', value: 'reflect.Value', string: 'string', int: 'int', bool: 'bool', strings: '[]string',
};

class State {
  out = '';
  vars: Array<{ name: string; value: unknown }>;
  node: Arg | Cmd | null = null;
  /** Dot is a slice/map element (Go reports its type as `interface {}`). */
  dotBoxed = false;

  depth = 0;

  constructor(private readonly src: string, private readonly funcs: FuncMap, private readonly defs: Map<string, TNode[]>, data: unknown) {
    this.vars = [{ name: '$', value: data }];
  }

  errorf(msg: string): never {
    if (!this.node) throw new TemplateError(`template: : ${msg}`);
    return this.errorAt(this.node.pos, nodeString(this.node), msg);
  }

  /** Go's `template: NAME:LINE:COL: executing "NAME" at <CONTEXT>: MSG`; COL counts bytes from the line start. */
  errorAt(pos: number, ctx: string, msg: string): never {
    const before = this.src.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = Buffer.byteLength(before.slice(nl + 1), 'utf8');
    throw new TemplateError(`template: :${line}:${col}: executing "" at <${ctx}>: ${msg}`);
  }

  walk(dot: unknown, nodes: readonly TNode[]): void {
    for (const node of nodes) {
      switch (node.k) {
        case 'text': this.out += node.text; break;
        case 'action': {
          const v = this.evalPipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) this.out += v === undefined || v === null ? '<no value>' : goPrint(v);
          break;
        }
        case 'if': case 'with': {
          const mark = this.vars.length;
          const v = this.evalPipeline(dot, node.pipe);
          if (truth(v) && node.k === 'with') this.walkWith(v, false, node.list);
          else if (truth(v)) this.walk(dot, node.list);
          else if (node.elseList) this.walk(dot, node.elseList);
          this.vars.length = mark;
          break;
        }
        case 'range': this.walkRange(dot, node); break;
        case 'template': this.walkTemplate(dot, node); break;
        case 'break': throw new BreakSignal();
        case 'continue': throw new ContinueSignal();
      }
    }
  }

  walkWith(dot: unknown, boxed: boolean, nodes: readonly TNode[]): void {
    const saved = this.dotBoxed;
    this.dotBoxed = boxed;
    try {
      this.walk(dot, nodes);
    } finally {
      this.dotBoxed = saved;
    }
  }

  walkTemplate(dot: unknown, t: Extract<TNode, { k: 'template' }>): void {
    const body = this.defs.get(t.name);
    const ctx = `{{template ${goQuote(t.name)}${t.pipe ? ' ' + nodeString(t.pipe) : ''}}}`;
    if (!body) this.errorAt(t.pos, ctx, `template ${goQuote(t.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorAt(t.pos, ctx, `exceeded maximum template depth (${MAX_DEPTH})`);
    const inner = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    const saved = this.vars;
    this.vars = [{ name: '$', value: inner }];
    this.depth++;
    try {
      this.walkWith(inner, false, body!);
    } finally {
      this.depth--;
      this.vars = saved;
    }
  }

  walkRange(dot: unknown, r: ControlNode): void {
    const outer = this.vars.length;
    const v = this.evalPipeline(dot, r.pipe);
    const mark = this.vars.length;
    const decl = r.pipe.decl;
    const one = (index: unknown, elem: unknown): void => {
      if (decl.length > 0) {
        if (r.pipe.isAssign) this.setVar(decl[0]!.idents[0]!, decl.length > 1 ? index : elem);
        else this.vars[this.vars.length - 1]!.value = elem;
      }
      if (decl.length > 1) {
        if (r.pipe.isAssign) this.setVar(decl[1]!.idents[0]!, elem);
        else this.vars[this.vars.length - 2]!.value = index;
      }
      try {
        this.walkWith(elem, kindOf(v) !== 'int', r.list);
      } catch (e) {
        if (!(e instanceof ContinueSignal)) throw e;
      } finally {
        this.vars.length = mark;
      }
    };
    let ran = false;
    try {
      const kind = kindOf(v);
      if (kind === 'int') {
        if (decl.length > 1) this.errorf(`can't use ${goPrint(v)} to iterate over more than one variable`);
        for (let i = 0; i < Number(v); i++) { ran = true; one(undefined, i); }
      } else if (kind === 'slice') {
        (v as unknown[]).forEach((e, i) => { ran = true; one(i, e); });
      } else if (kind === 'map') {
        const o = v as Record<string, unknown>;
        for (const k of sortedKeys(o)) { ran = true; one(k, o[k]); }
      } else if (kind !== 'invalid' && kind !== 'nil') {
        this.errorf(`range can't iterate over ${goPrint(v)}`);
      }
    } catch (e) {
      if (!(e instanceof BreakSignal)) throw e;
    }
    if (!ran && r.elseList) this.walk(dot, r.elseList);
    this.vars.length = outer;
  }

  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) { this.vars[i]!.value = value; return; }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  evalPipeline(dot: unknown, pipe: Pipe): unknown {
    this.node = pipe;
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.idents[0]!, value);
      else this.vars.push({ name: v.idents[0]!, value });
    }
    return value;
  }

  notAFunction(args: readonly Arg[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  evalCommand(dot: unknown, cmd: Cmd, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.k) {
      case 'field': this.node = first; return this.evalChain(dot, dot, first, first.idents, cmd.args, final, this.dotBoxed);
      case 'chain': return this.evalChainNode(dot, first, cmd.args, final);
      case 'ident': return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe': this.notAFunction(cmd.args, final); return this.evalPipeline(dot, first);
      case 'var': return this.evalVariable(dot, first, cmd.args, final);
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.k) {
      case 'dot': return dot;
      case 'nil': return this.errorf('nil is not a command');
      default: return first.value;
    }
  }

  evalChainNode(dot: unknown, chain: Extract<Arg, { k: 'chain' }>, args: readonly Arg[] | null, final: Final): unknown {
    this.node = chain;
    if (chain.node.k === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const base = this.evalArg(dot, 'value', chain.node);
    this.node = chain;
    return this.evalChain(dot, base, chain, chain.fields, args, final, false);
  }

  evalVariable(dot: unknown, v: Extract<Arg, { k: 'var' }>, args: readonly Arg[] | null, final: Final): unknown {
    this.node = v;
    const name = v.idents[0]!;
    let found: { value: unknown } | undefined;
    for (let i = this.vars.length - 1; i >= 0 && !found; i--) if (this.vars[i]!.name === name) found = this.vars[i];
    if (!found) return this.errorf(`undefined variable: ${name}`);
    if (v.idents.length === 1) { this.notAFunction(args ?? [v], final); return found.value; }
    return this.evalChain(dot, found.value, v, v.idents.slice(1), args, final, false);
  }

  evalChain(dot: unknown, recv: unknown, node: Arg, idents: readonly string[], args: readonly Arg[] | null, final: Final, boxed: boolean): unknown {
    idents.forEach((name, i) => {
      const last = i === idents.length - 1;
      recv = this.evalField(dot, name, node, last ? args : null, last ? final : MISSING, recv, boxed || i > 0);
    });
    return recv;
  }

  evalField(dot: unknown, name: string, node: Arg, args: readonly Arg[] | null, final: Final, recv: unknown, boxed: boolean): unknown {
    if (recv === undefined || (recv === null && !boxed)) return undefined;
    const typ = boxed ? 'interface {}' : goTypeName(recv);
    if (recv === null) return this.errorf(`nil pointer evaluating ${typ}.${name}`);
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (kindOf(recv) === 'map' || kindOf(recv) === 'time') {
      const o = recv as Record<string, unknown>;
      const has = name in o && !(name in Object.prototype);
      const v = has ? o[name] : undefined;
      if (typeof v === 'function') {
        const argv = (args ?? []).slice(1).map((a) => this.evalArg(dot, 'any', a));
        if (final !== MISSING) argv.push(final);
        try {
          return (v as (...a: unknown[]) => unknown).apply(o, argv);
        } catch (e) {
          this.node = node;
          return this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (kindOf(recv) === 'map') {
        if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
        return v;
      }
    }
    return this.errorf(`can't evaluate field ${name} in type ${typ}`);
  }

  evalFunction(dot: unknown, ident: Extract<Arg, { k: 'ident' }>, cmd: Arg | Cmd, args: readonly Arg[] | null, final: Final): unknown {
    this.node = ident;
    const f = this.funcs[ident.name] ?? BUILTIN_FUNCS[ident.name];
    if (!f) return this.errorf(`${JSON.stringify(ident.name)} is not a defined function`);
    return this.evalCall(dot, f, cmd, ident.name, args, final);
  }

  evalCall(dot: unknown, f: GoFunc, node: Arg | Cmd, name: string, args: readonly Arg[] | null, final: Final): unknown {
    const rest = args ? args.slice(1) : [];
    const numIn = rest.length + (final === MISSING ? 0 : 1);
    const fixed = f.params.length;
    if (f.variadic) {
      if (numIn < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${rest.length}`);
    } else if (numIn !== fixed) this.errorf(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
    if (f.lazy) {
      let v: unknown;
      for (const a of rest) {
        v = this.evalArg(dot, 'value', a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const argv = rest.map((a, i) => this.evalArg(dot, i < fixed ? f.params[i]! : f.variadic!, a));
    if (final !== MISSING) {
      const t = f.variadic && numIn - 1 >= fixed ? f.variadic : f.params[numIn - 1]!;
      argv.push(this.validateType(final, t));
    }
    try {
      return f.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.node = node;
      return this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  evalArg(dot: unknown, type: ParamType, n: Arg): unknown {
    this.node = n;
    switch (n.k) {
      case 'dot': return this.validateType(dot, type);
      case 'nil':
        if (type === 'any' || type === 'strings') return null;
        if (type === 'value') return undefined;
        return this.errorf(`cannot assign nil to ${PARAM_NAMES[type]}`);
      case 'field': return this.validateType(this.evalChain(dot, dot, n, n.idents, [n], MISSING, this.dotBoxed), type);
      case 'var': return this.validateType(this.evalVariable(dot, n, null, MISSING), type);
      case 'pipe': return this.validateType(this.evalPipeline(dot, n), type);
      case 'ident': return this.validateType(this.evalFunction(dot, n, n, null, MISSING), type);
      case 'chain': return this.validateType(this.evalChainNode(dot, n, null, MISSING), type);
    }
    if (type === 'any' || type === 'value') return n.value;
    if (type === 'bool' && n.k === 'bool') return n.value;
    if (type === 'string' && n.k === 'string') return n.value;
    if (type === 'int' && n.k === 'number' && n.isInt) return n.value;
    const what = { bool: 'bool', string: 'string', int: 'integer' }[type as string];
    return this.errorf(what ? `expected ${what}; found ${nodeString(n)}` : `can't handle ${nodeString(n)} for arg of type ${PARAM_NAMES[type]}`);
  }

  validateType(v: unknown, type: ParamType): unknown {
    if (type === 'value') return v;
    if (v === undefined || v === null) {
      if (type === 'any' || type === 'strings') return null;
      return this.errorf(`invalid value; expected ${PARAM_NAMES[type]}`);
    }
    const k = kindOf(v);
    const ok = type === 'any' || (type === 'string' && k === 'string') || (type === 'int' && k === 'int')
      || (type === 'bool' && k === 'bool') || (type === 'strings' && k === 'slice' && (v as unknown[]).every((e) => typeof e === 'string'));
    if (!ok) this.errorf(`wrong type for value; expected ${PARAM_NAMES[type]}; got ${goTypeName(v)}`);
    return type === 'int' ? Number(v) : v;
  }
}

/** A parsed Go template, executable against any number of data values. */
export class GoTemplate {
  private readonly parsed: ParsedTemplate;
  /** For templates of plain text and `{{.Field}}` only (Docker's default tables): the pieces. */
  private readonly simple: (string | { field: string })[] | null;

  /**
   * Parses `text` with Go's rules. `funcs` adds or overrides functions on top of
   * the builtins; function names are checked at parse time, like Go.
   * @throws TemplateError with Go's message, e.g. `template: :1: unexpected "}" in operand`.
   */
  constructor(readonly text: string, private readonly funcs: FuncMap = {}) {
    this.parsed = parseTemplate(text, (name) => name in funcs || name in BUILTIN_FUNCS);
    this.simple = simplePieces(this.parsed);
  }

  /**
   * Executes the template with `data` as `.` and `$`; `funcs` overrides
   * functions for this run only (Docker swaps in header functions this way).
   * @throws TemplateError on execution errors; its `partial` holds output written so far.
   */
  /**
   * The fields the template reads, when it reads nothing but `{{.Field}}` actions (every
   * default table); null when it may read anything. Rows need only these fields.
   */
  get fields(): string[] | null {
    return this.simple && this.simple.flatMap((p) => (typeof p === 'string' ? [] : [p.field]));
  }

  execute(data: unknown, funcs: FuncMap = {}): string {
    const fast = this.simple && executeSimple(this.simple, data);
    if (typeof fast === 'string') return fast;
    const state = new State(this.text, { ...BUILTIN_FUNCS, ...this.funcs, ...funcs }, this.parsed.defs, data);
    try {
      state.walk(data, this.parsed.root);
    } catch (e) {
      if (e instanceof TemplateError) e.partial = state.out;
      throw e;
    }
    return state.out;
  }
}

/**
 * A template that is only text and single-field actions needs no interpreter:
 * this is what every default table format is, and a cold CLI process renders
 * a thousand rows through it in a fraction of the interpreter's time.
 */
function simplePieces(parsed: ParsedTemplate): (string | { field: string })[] | null {
  if (parsed.defs.size > 0) return null;
  const pieces: (string | { field: string })[] = [];
  for (const node of parsed.root) {
    if (node.k === 'text') pieces.push(node.text);
    else if (node.k === 'action' && node.pipe.decl.length === 0 && node.pipe.cmds.length === 1) {
      const args = node.pipe.cmds[0]!.args;
      const arg = args[0];
      if (args.length !== 1 || arg?.k !== 'field' || arg.idents.length !== 1) return null;
      pieces.push({ field: arg.idents[0]! });
    } else return null;
  }
  return pieces;
}

/** Renders simple pieces when every field is an own string property; otherwise undefined (use the interpreter). */
function executeSimple(pieces: (string | { field: string })[], data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  let out = '';
  for (const p of pieces) {
    if (typeof p === 'string') out += p;
    else {
      const v = (data as Record<string, unknown>)[p.field];
      if (typeof v !== 'string' || !Object.hasOwn(data, p.field)) return undefined;
      out += v;
    }
  }
  return out;
}

/** Parses and executes a template in one step (see {@link GoTemplate}). */
export function renderTemplate(text: string, data: unknown, funcs: FuncMap = {}): string {
  return new GoTemplate(text, funcs).execute(data);
}
