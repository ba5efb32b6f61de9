import type { ContainerSummary } from '@drydock/engine';
import { dockerStatus } from '@drydock/units';
import { ellipsis, timeAgo, truncateId } from '../format/units.js';
import { checkFilterKeys, matchLabel } from '../options.js';
import { goTimeString } from './image-rows.js';

export const CONTAINER_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Status: 'STATUS',
  State: 'STATE',
  Ports: 'PORTS',
  Names: 'NAMES',
  Labels: 'LABELS',
  Size: 'SIZE',
};

/** docker/cli's ContainerContext fields. */
export interface ContainerRow {
  Command: string;
  CreatedAt: string;
  ID: string;
  Image: string;
  Labels: string;
  Names: string;
  Ports: string;
  RunningFor: string;
  State: string;
  Status: string;
}

/**
 * `docker ps --filter`: id= (prefix), name= (substring, as Docker's regexp
 * match on plain names), status=, label=key[=value], ancestor= (the image as
 * written or its ID prefix). Several values of one key match any of them.
 */
export function filterContainers(list: ContainerSummary[], filters: Record<string, string[]>): ContainerSummary[] {
  checkFilterKeys(filters, ['id', 'name', 'status', 'label', 'ancestor']);
  const any = (key: string, test: (v: string) => boolean) => !filters[key] || filters[key]!.some(test);
  return list.filter((s) => {
    const r = s.record;
    return (
      any('id', (v) => r.id.startsWith(v)) &&
      any('name', (v) => new RegExp(v).test(r.name)) &&
      any('status', (v) => v === s.status) &&
      (filters.label ?? []).every((l) => matchLabel(r.config.Labels, l)) &&
      any('ancestor', (v) => r.imageName === v || r.imageId.slice(7).startsWith(v.replace(/^sha256:/, '')))
    );
  });
}

export function containerRows(list: ContainerSummary[], opts: { trunc: boolean }): ContainerRow[] {
  const now = Date.now();
  return list.map((s) => {
    const r = s.record;
    const command = [...(r.config.Entrypoint ?? []), ...(r.config.Cmd ?? [])].join(' ');
    return {
      Command: JSON.stringify(opts.trunc ? ellipsis(command, 20) : command),
      CreatedAt: goTimeString(r.createdMs),
      ID: opts.trunc ? truncateId(r.id) : r.id,
      Image: r.imageName,
      Labels: Object.entries(r.config.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
      Names: r.name,
      Ports: (r.network.ports ?? []).map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', '),
      RunningFor: timeAgo(new Date(Math.floor(r.createdMs / 1000) * 1000), new Date(now)),
      State: s.status,
      Status: dockerStatus(s, now),
    };
  });
}
