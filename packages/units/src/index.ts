/**
 * go-units `HumanDuration` for a duration in milliseconds: `Less than a
 * second`, `1 second`, `N seconds`, `About a minute`, `N minutes`, `About an
 * hour`, `N hours` (< 48h), `N days` (< 2 weeks), `N weeks` (< 60 days),
 * `N months` (< 2 years), `N years`. Hours are rounded to nearest.
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

/** What Docker's STATUS column is made of (a container's state and its times, ISO 8601). */
export interface ContainerState {
  status: string;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
}

/**
 * Docker's STATUS column (`Up 3 minutes`, `Up 1 second (Paused)`, `Exited (0) 2 hours
 * ago`, `Dead`, `Created`) with go-units' HumanDuration: the CLI's `ps` and the dashboard.
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
