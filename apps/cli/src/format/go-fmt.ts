/**
 * Go-flavoured printing of JavaScript values, used by the template engine:
 * the `fmt` package's `%v` rendering (`[a b]`, `map[k:v]`, `<nil>`), a subset
 * of `fmt.Sprintf`, `strconv.Quote`, `strconv.FormatFloat` and the JSON
 * encoding Docker's `json` template function produces.
 *
 * Value model: `undefined` is Go's "no value", `null` is nil, integral numbers
 * below 2^63 are Go `int`, other numbers `float64`, arrays `[]interface {}`,
 * plain objects `map[string]interface {}` (keys printed sorted, like Go),
 * `Date` a `time.Time`.
 */

/** Coarse Go kind of a JavaScript value. */
export type GoKind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'time' | 'func';

/** True when a number is printed as a Go `int` rather than a `float64`. */
export function isGoInt(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63;
}

/** Classifies a JavaScript value as the Go kind it stands for. */
export function kindOf(v: unknown): GoKind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return isGoInt(v) ? 'int' : 'float';
    case 'bigint': return 'int';
    case 'string': return 'string';
    case 'function': return 'func';
    default:
      if (Array.isArray(v)) return 'slice';
      return v instanceof Date ? 'time' : 'map';
  }
}

const TYPE_NAMES: Record<GoKind, string> = {
  invalid: '<nil>', nil: 'interface {}', bool: 'bool', int: 'int', float: 'float64', string: 'string',
  slice: '[]interface {}', map: 'map[string]interface {}', time: 'time.Time', func: 'func()',
};

/** Go type name of a value, as it appears in template error messages. */
export function goTypeName(v: unknown): string {
  return TYPE_NAMES[kindOf(v)];
}

/** Keys of a map-like object in Go's printing order (sorted). */
export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------- floats

interface Decimal { d: string; dp: number } // value = 0.d × 10^dp, d without trailing zeros

function trimZeros(x: Decimal): Decimal {
  const d = x.d.replace(/0+$/, '');
  return { d, dp: d === '' ? 0 : x.dp };
}

/** Exact decimal expansion of a finite non-negative double. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let e = -1074;
  if (bexp !== 0) { mant |= 1n << 52n; e = bexp - 1075; }
  if (e >= 0) { const s = (mant << BigInt(e)).toString(); return trimZeros({ d: s, dp: s.length }); }
  const s = (mant * 5n ** BigInt(-e)).toString();
  return trimZeros({ d: s, dp: s.length + e });
}

/** Shortest decimal that round-trips (what Go's precision -1 uses). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const [m = '', ex = '0'] = x.toExponential().split('e');
  return trimZeros({ d: m.replace('.', ''), dp: Number(ex) + 1 });
}

/** Rounds to nd digits like Go's strconv decimal: ties go to even. */
function roundDecimal(x: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= x.d.length) return x;
  const c = x.d[nd]!;
  const up = c === '5' && nd + 1 === x.d.length ? nd > 0 && Number(x.d[nd - 1]) % 2 === 1 : c >= '5';
  if (!up) return trimZeros({ d: x.d.slice(0, nd), dp: x.dp });
  for (let i = nd - 1; i >= 0; i--) {
    if (x.d[i]! < '9') return { d: x.d.slice(0, i) + String(Number(x.d[i]) + 1), dp: x.dp };
  }
  return { d: '1', dp: x.dp + 1 };
}

function digitAt(x: Decimal, i: number): string {
  return i >= 0 && i < x.d.length ? x.d[i]! : '0';
}

function fmtE(x: Decimal, prec: number, ch: string): string {
  let s = digitAt(x, 0);
  if (prec > 0) { s += '.'; for (let i = 1; i <= prec; i++) s += digitAt(x, i); }
  const exp = x.d === '' ? 0 : x.dp - 1;
  const abs = String(Math.abs(exp));
  return `${s}${ch}${exp < 0 ? '-' : '+'}${abs.length < 2 ? '0' + abs : abs}`;
}

function fmtF(x: Decimal, prec: number): string {
  let s = '';
  if (x.dp > 0) for (let i = 0; i < x.dp; i++) s += digitAt(x, i);
  else s = '0';
  if (prec > 0) { s += '.'; for (let i = 0; i < prec; i++) s += digitAt(x, x.dp + i); }
  return s;
}

/**
 * `strconv.FormatFloat(x, verb, prec, 64)` for verbs e, E, f, g, G; prec -1
 * means the shortest representation. Correctly rounded, ties to even.
 */
export function formatFloat(x: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0) ? '-' : '';
  const shortest = prec < 0;
  let digs = shortest ? shortestDecimal(Math.abs(x)) : exactDecimal(Math.abs(x));
  if (verb === 'e' || verb === 'E') {
    if (shortest) prec = Math.max(digs.d.length - 1, 0);
    else digs = roundDecimal(digs, prec + 1);
    return neg + fmtE(digs, prec, verb);
  }
  if (verb === 'f') {
    if (shortest) prec = Math.max(digs.d.length - digs.dp, 0);
    else digs = roundDecimal(digs, digs.dp + prec);
    return neg + fmtF(digs, prec);
  }
  if (prec === 0) prec = 1;
  if (!shortest) digs = roundDecimal(digs, prec);
  const nd = digs.d.length;
  let eprec = prec;
  if (eprec > nd && nd >= digs.dp) eprec = nd;
  if (shortest) { eprec = 6; prec = nd; }
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) return neg + fmtE(digs, Math.min(prec, nd) - 1, verb === 'G' ? 'E' : 'e');
  if (prec > digs.dp) prec = nd;
  return neg + fmtF(digs, Math.max(prec - digs.dp, 0));
}

// ---------------------------------------------------------------- strings

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function quoteWith(s: string, q: string): string {
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out + q;
}

/** `strconv.Quote`: a double-quoted Go string literal. */
export function goQuote(s: string): string {
  return quoteWith(s, '"');
}

/** `strconv.QuoteRune`: a single-quoted Go rune literal. */
export function goQuoteRune(cp: number): string {
  return quoteWith(String.fromCodePoint(cp), "'");
}

/** Go's `time.Time.String()` for a Date, in UTC. */
export function goTimeString(d: Date): string {
  const iso = d.toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? '.' + frac : ''} +0000 UTC`;
}

// ---------------------------------------------------------------- JSON

class JsonUnsupported extends Error {}

function jsonValue(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid': case 'nil': case 'func': return 'null';
    case 'bool': return String(v);
    case 'int': case 'float':
      if (typeof v === 'bigint') return v.toString();
      if (!Number.isFinite(v)) throw new JsonUnsupported();
      return JSON.stringify(v);
    case 'string': return JSON.stringify(v).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    case 'slice': return `[${(v as unknown[]).map(jsonValue).join(',')}]`;
    case 'time': return JSON.stringify((v as Date).toISOString().replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z'));
    default: {
      const o = v as Record<string, unknown>;
      return `{${sortedKeys(o).map((k) => `${jsonValue(k)}:${jsonValue(o[k])}`).join(',')}}`;
    }
  }
}

/**
 * Docker's `json` template function: `encoding/json` with HTML escaping off,
 * map keys sorted, no trailing newline. Unencodable values give "".
 */
export function goJson(v: unknown): string {
  try {
    return jsonValue(v);
  } catch (e) {
    if (e instanceof JsonUnsupported) return '';
    throw e;
  }
}
