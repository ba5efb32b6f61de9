import type { Node } from '../dockerfile/parser/node.js';
import { DrydockError } from '../errors.js';
import type { ContainerConfig } from '../image/config.js';

/** COPY/ADD: wired to build/copy once it lands. */
export async function copyInputs(_node: Node, _contextDir: string, _expand: (w: string) => string): Promise<unknown> {
  return null;
}

export async function copyStep(node: Node, _root: string, _sourceDir: string, _config: ContainerConfig, _expand: (w: string) => string, _allowRemote: boolean): Promise<void> {
  throw new DrydockError('unsupported', `${node.value.toUpperCase()} is not supported yet`);
}
