/**
 * The JSON (exec) form of instruction arguments: `["executable", "arg"]`.
 * Reproduces what Go's `json.Unmarshal` into `[]any` accepts, so the same
 * lines fall back to the shell form as in BuildKit.
 */
import { goTrimLeftSpace } from '../text/unicode.js';
import { UnlocatedParseError } from './errors.js';

/** BuildKit's message for a JSON array holding something other than strings. */
export const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/**
 * Parses `rest` as a JSON array of strings. Returns undefined when it is not
 * JSON (not starting with `[` after blanks, or not valid JSON, or holding a
 * number too large for a float64, which Go's decoder rejects); throws when it
 * is a valid array with a non-string element. Lone UTF-16 surrogates from
 * `\uD800`-style escapes become U+FFFD, as in Go.
 */
export function parseJsonArgs(rest: string): string[] | undefined {
  const text = goTrimLeftSpace(rest);
  if (!text.startsWith('[')) return undefined;
  let overflow = false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) overflow = true;
      return value;
    });
  } catch {
    return undefined;
  }
  if (overflow || !Array.isArray(parsed)) return undefined;
  const out: string[] = [];
  for (const item of parsed) {
    if (typeof item !== 'string') throw new UnlocatedParseError(NOT_STRING_ARRAY);
    out.push(item.replace(/\p{Cs}/gu, '\ufffd'));
  }
  return out;
}
