import type { HistoryItem } from '@drydock/engine';
import { ellipsis, humanSizeWithPrecision, timeAgo, truncateId } from '../format/units.js';

export const HISTORY_HEADERS: Record<string, string> = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/** docker/cli's historyContext: the fields a history --format can use. */
export interface HistoryRow {
  Comment: string;
  CreatedAt: string;
  CreatedBy: string;
  CreatedSince: string;
  ID: string;
  Size: string;
}

export function historyRows(items: HistoryItem[], opts: { human: boolean; trunc: boolean }): HistoryRow[] {
  const now = new Date();
  return items.map((h) => {
    const created = new Date(Math.floor(Date.parse(h.created || '1970-01-01T00:00:00Z') / 1000) * 1000);
    const createdBy = h.createdBy.replaceAll('\t', ' ');
    return {
      Comment: h.comment,
      CreatedAt: rfc3339Local(created),
      CreatedBy: opts.trunc ? ellipsis(createdBy, 45) : createdBy,
      CreatedSince: opts.human ? timeAgo(created, now) : rfc3339Local(created),
      ID: h.id !== '<missing>' && opts.trunc ? truncateId(h.id) : h.id,
      Size: opts.human ? humanSizeWithPrecision(h.size, 3) : String(h.size),
    };
  });
}

/** Go's time.RFC3339 in UTC: 2006-01-02T15:04:05Z07:00. */
function rfc3339Local(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
