import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bytes under `dir` as dockerd counts a volume's size (its directory.Size):
 * every non-directory entry's size, each inode once. 0 when `dir` is gone.
 */
export function dirSize(dir: string): number {
  const seen = new Set<number>();
  let size = 0;
  const walk = (path: string): void => {
    let names: string[];
    try {
      names = readdirSync(path);
    } catch {
      return;
    }
    for (const name of names) {
      const child = join(path, name);
      const st = lstatSync(child, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(child);
      else if (st.size > 0 && !seen.has(st.ino)) {
        seen.add(st.ino);
        size += st.size;
      }
    }
  };
  walk(dir);
  return size;
}
