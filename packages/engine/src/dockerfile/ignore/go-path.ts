/**
 * Go's slash-separated path helpers (`path.Clean`, `filepath.Dir` on Unix),
 * which the .dockerignore reader and matcher apply to patterns and paths.
 */

/**
 * Go `path.Clean`: the shortest equivalent path. Collapses repeated `/`,
 * drops `.` elements and `..` after a real element, drops `..` right after
 * the root, keeps leading `..` of relative paths; "" becomes ".".
 */
export function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  let leadingDotDots = 0;
  for (const elem of p.split('/')) {
    if (elem === '' || elem === '.') continue;
    if (elem === '..') {
      if (out.length > leadingDotDots) out.pop();
      else if (!rooted) {
        out.push('..');
        leadingDotDots++;
      }
      continue;
    }
    out.push(elem);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** Go `filepath.Dir` on Unix: everything before the last `/`, cleaned. */
export function goPathDir(p: string): string {
  const i = p.lastIndexOf('/');
  return goPathClean(p.slice(0, i + 1));
}
