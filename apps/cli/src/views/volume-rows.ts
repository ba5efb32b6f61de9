import type { VolumeSummary } from '@drydock/engine';
import { boolFilter, checkFilterKeys, matchLabel } from '../options.js';

/** Column headers of `docker volume ls`, by template field. */
export const VOLUME_HEADERS: Record<string, string> = {
  Name: 'VOLUME NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
};

/**
 * The volume filters of dockerd 20.10: dangling= (no container uses it),
 * name= (a regular expression, as Docker's filters.Match), driver=,
 * label=KEY[=VALUE]. `volume prune` takes label= only.
 */
export function volumeFilter(filters: Record<string, string[]>, known: readonly string[] = ['dangling', 'name', 'driver', 'label']): (v: VolumeSummary) => boolean {
  checkFilterKeys(filters, known);
  const dangling = boolFilter(filters, 'dangling');
  const any = (key: string, test: (value: string) => boolean) => !filters[key] || filters[key]!.some(test);
  return (v) =>
    (dangling === undefined || (v.users.length === 0) === dangling) &&
    any('name', (p) => new RegExp(p).test(v.record.name)) &&
    any('driver', (d) => d === v.record.driver) &&
    (filters.label ?? []).every((l) => matchLabel(v.record.labels, l));
}

/** The template fields of one `docker volume ls` row (docker/cli volumeContext; Links and Size need the usage walk). */
export function volumeRow(v: VolumeSummary) {
  return {
    Driver: v.record.driver,
    Labels: Object.entries(v.record.labels).map(([k, val]) => `${k}=${val}`).sort().join(','),
    Links: 'N/A',
    Mountpoint: v.mountpoint,
    Name: v.record.name,
    Scope: 'local',
    Size: 'N/A',
  };
}
