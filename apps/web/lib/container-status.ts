import type { ContainerState } from '@drydock/units';

/** Docker's STATUS text, shared with the CLI's `ps`. */
export { dockerStatus, type ContainerState } from '@drydock/units';

/** The badge colour of a state: running green, a clean exit grey, a failed one red. */
export function stateTone(c: ContainerState): 'green' | 'gray' | 'red' | 'amber' {
  if (c.status === 'running') return 'green';
  if (c.status === 'exited') return c.exitCode === 0 ? 'gray' : 'red';
  if (c.status === 'dead') return 'red';
  return 'amber';
}
