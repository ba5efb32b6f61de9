/**
 * Docker's STATUS column for the dashboard (`Up 3 minutes`, `Exited (0) 2 hours ago`,
 * `Created`), with go-units' HumanDuration — the same rules as the CLI's `ps`
 * (apps/cli/src/views/container-rows.ts), which the browser bundle cannot import.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

export interface ContainerState {
  status: string;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
}

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
