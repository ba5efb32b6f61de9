/**
 * BuildKit's `Node.Dump()`: the S-expression form used by the parser's golden
 * `result` files, e.g. `(copy ["--from=a"] "x" "/y")`. Quoting is Go's
 * `strconv.Quote`; instruction words are lower-cased with Go's rules.
 */
import { goQuote } from '../text/go-quote.js';
import { goToLower, goTrimSpace } from '../text/unicode.js';
import type { Node } from './node.js';

/**
 * Dumps `node` like Go's `Node.Dump()`. For the root this is one
 * `(instruction ...)` line per child; a `result` file is that plus "\n".
 */
export function dumpNode(node: Node): string {
  let s = goToLower(node.value);
  if (node.flags.length > 0) s += ' [' + node.flags.map(goQuote).join(' ') + ']';
  for (const child of node.children) s += '(' + dumpNode(child) + ')\n';
  for (let n = node.next; n !== null; n = n.next) {
    s += ' ' + (n.children.length > 0 ? dumpNode(n) : goQuote(n.value));
  }
  return goTrimSpace(s);
}

