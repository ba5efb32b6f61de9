/**
 * Template functions: Go's text/template builtins (`and or not len index
 * slice eq ne lt le gt ge print printf println`) and docker/cli's
 * `templates.basicFunctions` (`json split join title lower upper pad
 * truncate`), plus the header variants Docker uses when rendering table
 * headers. Thrown errors become Go's `error calling NAME: …`.
 */
import { goJson, goTypeName, kindOf } from './go-fmt.js';
import { sprint, sprintf, sprintln } from './go-printf.js';

/**
 * Declared Go parameter type, which decides argument checking: `any` is
 * `interface {}` (no value becomes nil), `value` is `reflect.Value` (passed
 * through untouched), `strings` is `[]string`.
 */
export type ParamType = 'any' | 'value' | 'string' | 'int' | 'bool' | 'strings';

/** A template function with its Go signature. */
export interface GoFunc {
  params: ParamType[];
  variadic?: ParamType;
  /** Arguments are evaluated one at a time with short-circuit (`and`, `or`). */
  lazy?: boolean;
  fn: (...args: any[]) => unknown;
}

/** Function table by name. */
export type FuncMap = Record<string, GoFunc>;

/** Go's template truthiness: false, 0, "", nil, no value and empty arrays/objects are false. */
export function truth(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid': case 'nil': return false;
    case 'bool': return v as boolean;
    case 'int': case 'float': return Number(v) !== 0;
    case 'string': return (v as string).length > 0;
    case 'slice': return (v as unknown[]).length > 0;
    case 'map': return Object.keys(v as object).length > 0;
    default: return true;
  }
}

type Basic = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: unknown): Basic {
  const k = kindOf(v);
  return k === 'bool' || k === 'int' || k === 'float' || k === 'string' ? k : 'invalid';
}

const isNil = (v: unknown): boolean => v === undefined || v === null;

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    if (k1 !== k2) {
      if (!isNil(a) && !isNil(b)) throw new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
    } else if (k1 !== 'invalid') {
      if (a === b || (k1 !== 'string' && k1 !== 'bool' && Number(a) === Number(b))) return true;
    } else if (isNil(a) || isNil(b)) {
      if (isNil(a) === isNil(b)) return true;
    } else {
      throw new Error(`non-comparable type ${sprintf('%s', [b])}: ${goTypeName(b)}`);
    }
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  return k1 === 'string' ? (a as string) < (b as string) : Number(a) < Number(b);
}

const le = (a: unknown, b: unknown): boolean => lt(a, b) || eq(a, b);

function indexArg(i: unknown, len: number): number {
  if (isNil(i)) throw new Error('cannot index slice/array with nil');
  if (kindOf(i) !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(i)}`);
  const x = Number(i);
  if (x < 0 || x > len) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error('index of untyped nil');
  for (const i of indexes) {
    if (item === null) throw new Error('index of nil pointer');
    const k = kindOf(item);
    if (k === 'slice' || k === 'string') {
      const bytes = k === 'string' ? Buffer.from(item as string, 'utf8') : undefined;
      const arr = bytes ?? (item as unknown[]);
      const x = indexArg(i, arr.length);
      if (x === arr.length) throw new Error(`reflect: ${k === 'string' ? 'string' : 'slice'} index out of range`);
      item = arr[x];
    } else if (k === 'map') {
      if (isNil(i)) throw new Error('value is nil; should be of type string');
      if (typeof i !== 'string') throw new Error(`value has type ${goTypeName(i)}; should be string`);
      const o = item as Record<string, unknown>;
      item = Object.hasOwn(o, i) ? o[i] : undefined;
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...idx: unknown[]): unknown {
  if (isNil(item)) throw new Error('slice of untyped nil');
  if (idx.length > 3) throw new Error(`too many slice indexes: ${idx.length}`);
  const k = kindOf(item);
  if (k !== 'string' && k !== 'slice') throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (k === 'string' && idx.length > 2) throw new Error('cannot 3-index slice a string');
  const seq = k === 'string' ? Buffer.from(item as string, 'utf8') : (item as unknown[]);
  const cap = seq.length;
  const ix = [0, cap];
  idx.slice(0, 2).forEach((v, n) => { ix[n] = indexArg(v, cap); });
  if (ix[0]! > ix[1]!) throw new Error(`invalid slice index: ${ix[0]} > ${ix[1]}`);
  const out = seq.slice(ix[0], ix[1]);
  return Buffer.isBuffer(out) ? out.toString('utf8') : out;
}

function length(v: unknown): number {
  if (v === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (v === null) throw new Error('len of nil pointer');
  switch (kindOf(v)) {
    case 'string': return Buffer.byteLength(v as string, 'utf8');
    case 'slice': return (v as unknown[]).length;
    case 'map': return Object.keys(v as object).length;
    default: throw new Error(`len of type ${goTypeName(v)}`);
  }
}

function isSeparator(ch: string): boolean {
  if (ch.codePointAt(0)! <= 0x7f) return !/[A-Za-z0-9_]/.test(ch);
  if (/^[\p{L}\p{N}]$/u.test(ch)) return false;
  return /^\s$/u.test(ch);
}

/** Per-rune case mapping like Go's `unicode.ToUpper`/`ToLower`: never changes the rune count. */
function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = Array.from(f(ch));
    out += m.length === 1 ? m[0] : ch;
  }
  return out;
}

const upper = (s: string): string => mapRunes(s, (c) => c.toUpperCase());
const lower = (s: string): string => mapRunes(s, (c) => {
  const m = Array.from(c.toLowerCase());
  return m[0] ?? c;
});

/** `unicode.ToTitle` for one rune: the Latin digraphs have their own title forms. */
function toTitle(ch: string): string {
  const cp = ch.codePointAt(0)!;
  for (const base of [0x1c4, 0x1c7, 0x1ca, 0x1f1]) {
    if (cp >= base && cp <= base + 2) return String.fromCodePoint(base + 1);
  }
  return upper(ch);
}

/** `strings.Title`: upper-cases (title-cases) the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? toTitle(ch) : ch;
    prev = ch;
  }
  return out;
}

function repeat(n: number): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(n);
}

/** Go's builtin template functions plus Docker's basic functions. */
export const BUILTIN_FUNCS: FuncMap = {
  and: { params: ['value'], variadic: 'value', lazy: true, fn: () => undefined },
  or: { params: ['value'], variadic: 'value', lazy: true, fn: () => undefined },
  not: { params: ['value'], fn: (v: unknown) => !truth(v) },
  len: { params: ['value'], fn: length },
  index: { params: ['value'], variadic: 'value', fn: index },
  slice: { params: ['value'], variadic: 'value', fn: slice },
  eq: { params: ['value'], variadic: 'value', fn: eq },
  ne: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !eq(a, b) },
  lt: { params: ['value', 'value'], fn: lt },
  le: { params: ['value', 'value'], fn: le },
  gt: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !le(a, b) },
  ge: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !lt(a, b) },
  print: { params: [], variadic: 'any', fn: (...a: unknown[]) => sprint(a) },
  printf: { params: ['string'], variadic: 'any', fn: (f: string, ...a: unknown[]) => sprintf(f, a) },
  println: { params: [], variadic: 'any', fn: (...a: unknown[]) => sprintln(a) },
  json: { params: ['any'], fn: goJson },
  split: { params: ['string', 'string'], fn: (s: string, sep: string) => (sep === '' ? Array.from(s) : s.split(sep)) },
  join: { params: ['strings', 'string'], fn: (a: string[] | null, sep: string) => (a ?? []).join(sep) },
  title: { params: ['string'], fn: title },
  lower: { params: ['string'], fn: lower },
  upper: { params: ['string'], fn: upper },
  pad: { params: ['string', 'int', 'int'], fn: (s: string, l: number, r: number) => (s === '' ? s : repeat(l) + s + repeat(r)) },
  truncate: {
    params: ['string', 'int'],
    fn: (s: string, n: number) => {
      const b = Buffer.from(s, 'utf8');
      if (b.length < n) return s;
      if (n < 0) throw new Error(`runtime error: slice bounds out of range [:${n}]`);
      return b.subarray(0, n).toString('utf8');
    },
  },
};

const same = (v: string): string => v;

/**
 * docker/cli `templates.HeaderFunctions`: used when executing a table format
 * against the header names, so `{{upper .Name}}` still prints the header as
 * given (`pad` is kept so columns stay aligned).
 */
export const DOCKER_HEADER_FUNCS: FuncMap = {
  json: { params: ['string'], fn: same },
  split: { params: ['string', 'string'], fn: same },
  join: { params: ['string', 'string'], fn: same },
  title: { params: ['string'], fn: same },
  lower: { params: ['string'], fn: same },
  upper: { params: ['string'], fn: same },
  truncate: { params: ['string', 'int'], fn: same },
};
