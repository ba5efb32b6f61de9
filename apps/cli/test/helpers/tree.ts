import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** One path of an unpacked image: what two builds of the same Dockerfile must agree on. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: string;
  owner: string;
  content?: string;
  target?: string;
  /** Hard links: the number of names (the same content is checked through each). */
  links?: number;
}

/** Walks a rootfs unpacked by a neutral tool (umoci): type, mode, owner, content digest, link target. */
export function readTree(root: string): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, path));
      const base = { mode: (st.mode & 0o7777).toString(8), owner: `${st.uid}:${st.gid}` };
      if (st.isSymbolicLink()) out[path] = { type: 'symlink', ...base, target: readlinkSync(join(root, path)) };
      else if (st.isDirectory()) {
        out[path] = { type: 'dir', ...base };
        walk(path);
      } else if (st.isFile()) {
        out[path] = { type: 'file', ...base, content: createHash('sha256').update(readFileSync(join(root, path))).digest('hex'), ...(st.nlink > 1 ? { links: st.nlink } : {}) };
      } else out[path] = { type: 'other', ...base };
    }
  };
  walk('');
  return out;
}
