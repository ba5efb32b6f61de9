/**
 * A subset of Go's `fmt` package over the value model of `go-fmt.ts`:
 * `Sprint`, `Sprintln`, `Sprintf` (flags `-+# 0`, width, precision, `*`;
 * verbs v s d q x X o O b c U t e E f F g G %) and the `%!verb(type=value)`,
 * `%!v(MISSING)` and `%!(EXTRA …)` error forms.
 */
import { formatFloat, goQuote, goQuoteRune, goTimeString, goTypeName, kindOf, sortedKeys } from './go-fmt.js';

interface Spec {
  minus: boolean; plus: boolean; sharp: boolean; space: boolean; zero: boolean;
  width?: number; prec?: number;
}

const PLAIN: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, spec: Spec): string {
  const w = spec.width ?? 0;
  const n = runeCount(s);
  if (n >= w) return s;
  return spec.minus ? s + ' '.repeat(w - n) : ' '.repeat(w - n) + s;
}

/** Pads a signed number, putting zero padding between sign and digits. */
function padNumber(sign: string, digits: string, spec: Spec): string {
  const w = spec.width ?? 0;
  if (spec.zero && !spec.minus && w > sign.length + digits.length) {
    return sign + '0'.repeat(w - sign.length - digits.length) + digits;
  }
  return pad(sign + digits, spec);
}

function badVerb(v: unknown, verb: string, spec: Spec): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${formatArg(v, 'v', spec)})`;
}

function fmtInteger(v: number | bigint, verb: string, spec: Spec): string {
  const big = BigInt(v);
  const neg = big < 0n;
  const abs = neg ? -big : big;
  switch (verb) {
    case 'c': return pad(String.fromCodePoint(Number(abs)), spec);
    case 'q': return pad(goQuoteRune(Number(abs)), spec);
    case 'U': {
      const u = 'U+' + abs.toString(16).toUpperCase().padStart(4, '0');
      return pad(spec.sharp ? `${u} '${String.fromCodePoint(Number(abs))}'` : u, spec);
    }
  }
  const base = verb === 'x' || verb === 'X' ? 16 : verb === 'o' || verb === 'O' ? 8 : verb === 'b' ? 2 : 10;
  let digits = abs.toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  let prefix = '';
  if (verb === 'O') prefix = '0o';
  else if (spec.sharp) prefix = { x: '0x', X: '0X', b: '0b', o: digits.startsWith('0') ? '' : '0' }[verb] ?? '';
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && abs === 0n) digits = '';
    digits = digits.padStart(spec.prec, '0');
    return pad(sign + prefix + digits, spec);
  }
  if (spec.zero && !spec.minus && spec.width !== undefined) {
    digits = digits.padStart(spec.width - sign.length - prefix.length, '0');
  }
  return pad(sign + prefix + digits, spec);
}

function fmtFloatArg(v: number, verb: string, spec: Spec): string {
  const f = (verb === 'v' ? 'g' : verb === 'F' ? 'f' : verb) as 'e' | 'E' | 'f' | 'g' | 'G';
  const prec = spec.prec ?? (verb === 'v' || verb === 'g' || verb === 'G' ? -1 : 6);
  let num = formatFloat(v, f, prec);
  if (num === 'NaN' || num.endsWith('Inf')) {
    if (num === 'NaN' && (spec.plus || spec.space)) num = (spec.plus ? '+' : ' ') + num;
    return pad(num === '+Inf' && spec.space && !spec.plus ? ' Inf' : num, spec);
  }
  const sign = num.startsWith('-') ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return padNumber(sign, num.replace(/^-/, ''), spec);
}

function fmtString(s: string, verb: string, spec: Spec): string | undefined {
  if (spec.prec !== undefined) s = Array.from(s).slice(0, spec.prec).join('');
  switch (verb) {
    case 'v': case 's': return pad(s, spec);
    case 'q': return pad(goQuote(s), spec);
    case 'x': case 'X': {
      const h = Buffer.from(s, 'utf8').toString('hex');
      return pad(verb === 'X' ? h.toUpperCase() : h, spec);
    }
  }
  return undefined;
}

/** Formats one operand with a verb, recursing into slices and maps as Go does. */
function formatArg(v: unknown, verb: string, spec: Spec): string {
  switch (kindOf(v)) {
    case 'invalid': case 'nil':
      return verb === 'v' ? pad('<nil>', spec) : badVerb(v, verb, spec);
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v), spec) : badVerb(v, verb, spec);
    case 'int':
      return 'vdbcoOqxXU'.includes(verb) ? fmtInteger(v as number | bigint, verb === 'v' ? 'd' : verb, spec) : badVerb(v, verb, spec);
    case 'float':
      return 'veEfFgG'.includes(verb) ? fmtFloatArg(v as number, verb, spec) : badVerb(v, verb, spec);
    case 'string':
      return fmtString(v as string, verb, spec) ?? badVerb(v, verb, spec);
    case 'time':
      return fmtString(goTimeString(v as Date), verb, spec) ?? badVerb(v, verb, spec);
    case 'slice':
      return `[${(v as unknown[]).map((e) => (e == null ? '<nil>' : formatArg(e, verb, spec))).join(' ')}]`;
    case 'func':
      return verb === 'v' ? pad('<func>', spec) : badVerb(v, verb, spec);
    default: {
      const o = v as Record<string, unknown>;
      const parts = sortedKeys(o).map((k) => {
        const e = o[k];
        return `${formatArg(k, verb, spec)}:${e == null ? '<nil>' : formatArg(e, verb, spec)}`;
      });
      return `map[${parts.join(' ')}]`;
    }
  }
}

/** Go's `%v` rendering of a value (`fmt.Sprint` of one operand). */
export function goPrint(v: unknown): string {
  return formatArg(v, 'v', PLAIN);
}

/** `fmt.Sprint`: operands printed with %v, a space between two operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goPrint(a);
  });
  return out;
}

/** `fmt.Sprintln`: operands printed with %v, always space-separated, newline-terminated. */
export function sprintln(args: readonly unknown[]): string {
  return args.map(goPrint).join(' ') + '\n';
}

/** `fmt.Sprintf` for the verbs and flags listed in this module's doc comment. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  const readInt = (): number | undefined => {
    if (format[i] === '*') {
      i++;
      const a = args[argNum++];
      return typeof a === 'number' && Number.isInteger(a) ? a : undefined;
    }
    const m = /^\d+/.exec(format.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return Number(m[0]);
  };
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) { out += format.slice(i); break; }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { ...PLAIN };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') { spec.minus = true; spec.zero = false; } else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    spec.width = readInt();
    if (spec.width !== undefined && spec.width < 0) { spec.minus = true; spec.width = -spec.width; }
    if (format[i] === '.') { i++; spec.prec = readInt() ?? 0; }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0x25);
    if (i >= format.length) { out += '%!(NOVERB)'; break; }
    i += verb.length;
    if (verb === '%') { out += '%'; continue; }
    if (argNum >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    const arg = args[argNum++];
    out += verb === 'T' ? pad(arg == null ? '<nil>' : goTypeName(arg), spec) : formatArg(arg, verb, spec);
  }
  if (argNum < args.length) {
    const extra = args.slice(argNum).map((a) => (a == null ? '<nil>' : `${goTypeName(a)}=${goPrint(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
