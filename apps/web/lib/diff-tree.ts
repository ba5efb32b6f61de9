/** `docker diff` entries as a directory tree for the dashboard's diff view. */
export type ChangeKind = 'A' | 'C' | 'D';

export interface DiffNode {
  name: string;
  path: string;
  /** The change recorded for this path itself; none for a directory only on the way to one. */
  kind?: ChangeKind;
  children: DiffNode[];
}

/** Builds the tree under `/`; children sorted by name, parents created as needed. */
export function diffTree(changes: { kind: ChangeKind; path: string }[]): DiffNode {
  const root: DiffNode = { name: '/', path: '/', children: [] };
  const index = new Map<string, DiffNode>([['/', root]]);
  const nodeFor = (path: string): DiffNode => {
    const known = index.get(path);
    if (known) return known;
    const slash = path.lastIndexOf('/');
    const parent = nodeFor(slash <= 0 ? '/' : path.slice(0, slash));
    const node: DiffNode = { name: path.slice(slash + 1), path, children: [] };
    parent.children.push(node);
    index.set(path, node);
    return node;
  };
  for (const c of changes) {
    const path = c.path.replace(/\/+$/, '') || '/';
    nodeFor(path).kind = c.kind;
  }
  const sort = (n: DiffNode) => {
    n.children.sort((a, b) => a.name.localeCompare(b.name));
    n.children.forEach(sort);
  };
  sort(root);
  return root;
}

/** How many entries of each kind a tree holds. */
export function countKinds(changes: { kind: ChangeKind }[]): Record<ChangeKind, number> {
  const n = { A: 0, C: 0, D: 0 };
  for (const c of changes) n[c.kind]++;
  return n;
}
