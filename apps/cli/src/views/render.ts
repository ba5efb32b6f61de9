import { RowFormat } from '../format/table.js';

/**
 * Prints rows with a Docker --format string (`table …`, a Go template, or
 * `json`), or a format parsed already. Nothing at all is printed for no rows
 * and a non-table format.
 */
export function printFormat(format: string | RowFormat, rows: object[], headers: Record<string, string>): void {
  const text = (typeof format === 'string' ? new RowFormat(format) : format).render(rows, headers);
  if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
