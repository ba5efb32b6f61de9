import { nodeArgs, type Node } from '../dockerfile/parser/node.js';
import { DrydockError } from '../errors.js';
import type { ContainerConfig } from '../image/config.js';
import { hashSources, type SourceSpec } from './context/hash.js';
import type { SourceTree } from './context/tree.js';
import { copyInto } from './copy/copy.js';
import { isHttpSource } from './copy/url.js';

/** A COPY/ADD instruction with its words expanded: sources, destination, flags. */
interface CopyArgs {
  sources: SourceSpec[];
  dest: string;
  flag: (name: string) => string | undefined;
}

function parse(node: Node, expand: (w: string) => string): CopyArgs {
  const words = nodeArgs(node);
  const heredocs = new Map(node.heredocs.map((h) => [h.name, h]));
  const expanded = words.map((w) => (w.startsWith('<<') ? w : expand(w)));
  if (expanded.length < 2) throw new DrydockError('invalid-argument', `${node.value.toUpperCase()} requires at least two arguments, but only one was provided. Destination could not be determined`);
  const dest = expanded[expanded.length - 1]!;
  const sources: SourceSpec[] = expanded.slice(0, -1).map((w) => {
    const doc = w.startsWith('<<') ? heredocs.get(w.replace(/^<<-?/, '').replace(/^["']|["']$/g, '')) : undefined;
    return doc ? { name: doc.name, content: doc.content } : w;
  });
  const flag = (name: string) => {
    const f = node.flags.find((x) => x.startsWith(`--${name}=`) || x === `--${name}`);
    return f === undefined ? undefined : f.includes('=') ? expand(f.slice(f.indexOf('=') + 1)) : 'true';
  };
  return { sources, dest, flag };
}

/**
 * The cache inputs of a COPY/ADD: the content and metadata of its sources as
 * `tree` shows them (after .dockerignore), plus the flags. URL sources count
 * by their `--checksum` (or are never cached, as their content can change).
 */
export async function copyInputs(node: Node, tree: SourceTree, expand: (w: string) => string): Promise<unknown> {
  const { sources, flag } = parse(node, expand);
  const urls = sources.filter((s): s is string => typeof s === 'string' && isHttpSource(s));
  const local = sources.filter((s) => typeof s !== 'string' || !isHttpSource(s));
  const flags = ['chown', 'chmod', 'link', 'checksum', 'from'].map((f) => flag(f) ?? '');
  return {
    sources: local.length > 0 ? hashSources(tree, local).digest : null,
    urls: urls.map((u) => [u, flag('checksum') ?? `uncached:${Date.now()}:${Math.random()}`]),
    flags,
  };
}

/** Applies a COPY/ADD to `root` from `tree` (the context, or a stage's or image's rootfs). */
export async function copyStep(node: Node, root: string, tree: SourceTree, config: ContainerConfig, expand: (w: string) => string, add: boolean, fetch?: typeof globalThis.fetch): Promise<void> {
  const { sources, dest, flag } = parse(node, expand);
  const chown = flag('chown');
  const chmod = flag('chmod');
  const checksum = flag('checksum');
  await copyInto(root, {
    from: tree,
    sources,
    dest,
    workdir: config.WorkingDir || '/',
    add,
    ...(chown !== undefined ? { chown } : {}),
    ...(chmod !== undefined ? { chmod } : {}),
    ...(checksum !== undefined ? { checksum } : {}),
    link: flag('link') !== undefined,
    ...(fetch ? { fetch } : {}),
  });
}
