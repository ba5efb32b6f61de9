import type { ContainerConfig } from './config.js';
import { DrydockError } from '../errors.js';

/** Placeholder until the Dockerfile parser lands: refuses any change. */
export function parseChanges(changes: string[]): (c: ContainerConfig) => ContainerConfig {
  if (changes.length > 0) throw new DrydockError('unsupported', '--change is not supported yet');
  return (c) => c;
}
