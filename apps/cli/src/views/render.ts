import { formatRows } from '../format/table.js';

/**
 * Renders rows with a Docker --format string (`table …`, a Go template, or
 * `json`) and returns the text without a trailing newline.
 */
export function renderFormat(format: string, rows: object[], headers: Record<string, string>): string {
  return formatRows(format, rows, headers).replace(/\n$/, '');
}
