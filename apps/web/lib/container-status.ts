import { humanDuration } from '@drydock/units';

export interface ContainerState {
  status: string;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
}

/**
 * Docker's STATUS column for the dashboard (`Up 3 minutes`, `Exited (0) 2 hours ago`,
 * `Created`), with go-units' HumanDuration — the same rules as the CLI's `ps`
 * (apps/cli/src/views/container-rows.ts).
 */
export function dockerStatus(c: ContainerState, now = Date.now()): string {
  switch (c.status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(c.startedAt))}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(c.startedAt))} (Paused)`;
    case 'exited':
      return `Exited (${c.exitCode}) ${humanDuration(now - Date.parse(c.finishedAt))} ago`;
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

/** The badge colour of a state: running green, a clean exit grey, a failed one red. */
export function stateTone(c: ContainerState): 'green' | 'gray' | 'red' | 'amber' {
  if (c.status === 'running') return 'green';
  if (c.status === 'exited') return c.exitCode === 0 ? 'gray' : 'red';
  if (c.status === 'dead') return 'red';
  return 'amber';
}
