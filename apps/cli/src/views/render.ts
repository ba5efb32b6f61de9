import { formatRows } from '../format/table.js';

/**
 * Prints rows with a Docker --format string (`table …`, a Go template, or
 * `json`). Nothing at all is printed for no rows and a non-table format.
 */
export function printFormat(format: string, rows: object[], headers: Record<string, string>): void {
  const text = formatRows(format, rows, headers);
  if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
