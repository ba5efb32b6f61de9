/**
 * Lexer for Go's text/template language: splits a template into the items
 * Go's `text/template/parse` lexer produces, with the same error texts, and
 * decodes Go string, rune and number literals.
 */
import { goQuote } from './go-fmt.js';

/** Error raised for template parse and execution failures; `message` is Go's text. */
export class TemplateError extends Error {
  /** Output written before an execution error (Docker keeps it for table headers). */
  partial = '';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Lexer item kinds (keywords use their own name). */
export type ItemType =
  | 'error' | 'eof' | 'text' | 'ld' | 'rd' | 'space' | 'field' | 'ident' | 'var' | 'dot' | 'bool'
  | 'number' | 'char' | 'string' | 'raw' | 'pipe' | 'assign' | 'declare' | 'lparen' | 'rparen' | 'chr'
  | 'if' | 'else' | 'end' | 'range' | 'with' | 'define' | 'template' | 'block' | 'break' | 'continue' | 'nil';
/** One lexer item: kind, source text, byte offset and line. */
export interface Item { t: ItemType; v: string; pos: number; line: number }

/** Words lexed as keywords rather than function names. */
export const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil']);

/** What Go's `scanNumber` accepts before checking the next character. */
const NUMBER = new RegExp(
  '^[+-]?(0[xX][0-9a-fA-F_]*(\\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]*)?|0[oO][0-7_]*|0[bB][01_]*'
  + '|[0-9_]*(\\.[0-9_]*)?([eE][+-]?[0-9_]*)?)i?',
);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);
const fmtU = (c: string): string => {
  const cp = c.codePointAt(0)!;
  const u = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c) ? `${u} '${c}'` : u;
};

/** Splits a template into Go lexer items; a lexing error ends the list with an error item. */
export function lex(src: string): Item[] {
  const items: Item[] = [];
  const newlines: number[] = [];
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (p: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const push = (t: ItemType, s: number, e: number, v = src.slice(s, e)): void => { items.push({ t, v, pos: s, line: lineAt(s) }); };
  const chAt = (p: number): string | undefined => (p < src.length ? String.fromCodePoint(src.codePointAt(p)!) : undefined);
  const trimLen = (p: number): number => { let q = p; while (isSpace(src[q])) q++; return q - p; };
  const atRightDelim = (p: number): [boolean, boolean] => {
    if (isSpace(src[p]) && src[p + 1] === '-' && src.startsWith('}}', p + 2)) return [true, true];
    return [src.startsWith('}}', p), false];
  };
  const atTerminator = (p: number): boolean => p >= src.length || isSpace(src[p]) || '.,|:)('.includes(src[p]!) || src.startsWith('}}', p);
  let pos = 0;
  const fail = (msg: string, at: number): Item[] => {
    items.push({ t: 'error', v: msg, pos: at, line: lineAt(at) }, { t: 'eof', v: '', pos: src.length, line: lineAt(src.length) });
    return items;
  };
  for (;;) {
    const x = src.indexOf('{{', pos);
    if (x < 0) {
      if (pos < src.length) push('text', pos, src.length);
      push('eof', src.length, src.length);
      return items;
    }
    const trimLeft = src[x + 2] === '-' && isSpace(src[x + 3]);
    let end = x;
    if (trimLeft) while (end > pos && isSpace(src[end - 1])) end--;
    if (end > pos) push('text', pos, end);
    const after = x + 2 + (trimLeft ? 2 : 0);
    if (src.startsWith('/*', after)) {
      const close = src.indexOf('*/', after + 2);
      if (close < 0) return fail('unclosed comment', after);
      const [delim, trimRight] = atRightDelim(close + 2);
      if (!delim) return fail('comment ends before closing delimiter', after);
      pos = close + 4 + (trimRight ? 2 : 0);
      if (trimRight) pos += trimLen(pos);
      continue;
    }
    push('ld', x, x + 2);
    pos = after;
    let depth = 0;
    for (;;) {
      const [delim, trimRight] = atRightDelim(pos);
      if (delim) {
        if (depth > 0) return fail('unclosed left paren', pos);
        if (trimRight) pos += 2;
        push('rd', pos, pos + 2);
        pos += 2;
        if (trimRight) pos += trimLen(pos);
        break;
      }
      const start = pos;
      const c = chAt(pos);
      if (c === undefined) return fail('unclosed action', pos);
      if (isSpace(c)) {
        let e = pos;
        while (isSpace(src[e])) e++;
        if (src[e] === '-' && src.startsWith('}}', e + 1)) {
          e--;
          if (e === pos) continue;
        }
        push('space', pos, e);
        pos = e;
        continue;
      }
      pos += c.length;
      const lexWord = (t: ItemType): Item[] | null => {
        while (isAlnum(chAt(pos))) pos += chAt(pos)!.length;
        if (!atTerminator(pos)) return fail(`bad character ${fmtU(chAt(pos)!)}`, start);
        const w = src.slice(start, pos);
        if (t === 'ident') t = KEYWORDS.has(w) ? (w as ItemType) : w === 'true' || w === 'false' ? 'bool' : 'ident';
        push(t, start, pos);
        return null;
      };
      const lexQuoted = (q: string, what: string): Item[] | null => {
        for (;;) {
          const d = src[pos++];
          if (d === undefined) return fail(`unterminated ${what}`, start);
          if (q !== '`' && (d === '\n' || (d === '\\' && (src[pos] === undefined || src[pos++] === '\n')))) {
            return fail(`unterminated ${what}`, start);
          }
          if (d === q) break;
        }
        push(q === '"' ? 'string' : q === '`' ? 'raw' : 'char', start, pos);
        return null;
      };
      let r: Item[] | null = null;
      if (c === '=') push('assign', start, pos);
      else if (c === ':') {
        if (src[pos] !== '=') return fail('expected :=', start);
        push('declare', start, ++pos);
      } else if (c === '|') push('pipe', start, pos);
      else if (c === '"') r = lexQuoted('"', 'quoted string');
      else if (c === '`') r = lexQuoted('`', 'raw quoted string');
      else if (c === "'") r = lexQuoted("'", 'character constant');
      else if ((c === '$' || c === '.') && !(c === '.' && /[0-9]/.test(src[pos] ?? ''))) {
        if (atTerminator(pos)) push(c === '$' ? 'var' : 'dot', start, pos);
        else r = lexWord(c === '$' ? 'var' : 'field');
      } else if (/[-+.0-9]/.test(c)) {
        const m = NUMBER.exec(src.slice(start))!;
        pos = start + m[0].length;
        if (isAlnum(chAt(pos))) return fail(`bad number syntax: ${goQuote(src.slice(start, pos + chAt(pos)!.length))}`, start);
        push('number', start, pos);
      } else if (isAlnum(c)) r = lexWord('ident');
      else if (c === '(') { depth++; push('lparen', start, pos); } else if (c === ')') {
        if (--depth < 0) return fail('unexpected right paren', start);
        push('rparen', start, pos);
      } else if (c >= ' ' && c <= '~') push('chr', start, pos);
      else return fail(`unrecognized character in action: ${fmtU(c)}`, start);
      if (r) return r;
    }
  }
}

const ESC: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** `strconv.Unquote` for Go string, raw string and rune literals. */
export function unquote(text: string): string | undefined {
  const q = text[0]!;
  if (q === '`') return text.slice(1, -1).replace(/\r/g, '');
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === q) return undefined;
    if (c !== '\\') { out += c; continue; }
    const e = body[++i] ?? '';
    if (ESC[e] !== undefined) out += ESC[e];
    else if (e === q) out += q;
    else {
      const m = e === 'x' ? /^[0-9a-fA-F]{2}/ : e === 'u' ? /^[0-9a-fA-F]{4}/ : e === 'U' ? /^[0-9a-fA-F]{8}/ : /^[0-7]{2}/;
      const hit = m.exec(body.slice(i + 1));
      if (!hit) return undefined;
      const cp = /[0-7]/.test(e) ? parseInt(e + hit[0], 8) : parseInt(hit[0], 16);
      if (cp > 0x10ffff) return undefined;
      out += String.fromCodePoint(cp);
      i += hit[0].length;
    }
  }
  return out;
}

/** Parses Go number literal text into a value, or undefined if Go would reject it. */
export function parseNumber(text: string): { value: number; isInt: boolean } | undefined {
  const t = text.replace(/_/g, '');
  const neg = t.startsWith('-');
  const u = t.replace(/^[+-]/, '');
  let int: bigint | undefined;
  if (/^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$/.test(u)) int = BigInt(u.toLowerCase());
  else if (/^0[0-7]*$/.test(u)) int = BigInt('0o' + (u.slice(1) || '0'));
  else if (/^[1-9][0-9]*$/.test(u)) int = BigInt(u);
  if (int !== undefined) return { value: Number(neg ? -int : int), isInt: true };
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(u)) return undefined;
  const value = Number(t);
  return { value, isInt: Number.isInteger(value) };
}
