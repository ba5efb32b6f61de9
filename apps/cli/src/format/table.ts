/**
 * Docker-style output formatting: Go's text/tabwriter (elastic tabstops, as
 * docker/cli's fork measures cell width in terminal columns) and the
 * `formatter.Context` flow that turns a `--format` string and rows into text.
 */
import { GoTemplate, TemplateError, DOCKER_HEADER_FUNCS } from './go-template.js';
import { stringWidth } from './width.js';

/** text/tabwriter configuration (`tabwriter.NewWriter(out, minwidth, tabwidth, padding, padchar, flags)`). */
export interface TabwriterOptions {
  /** Minimal cell width including padding. */
  minwidth: number;
  /** Width of a tab character when padding with tabs. */
  tabwidth: number;
  /** Padding added to a cell's text width when computing the column width. */
  padding: number;
  /** Padding character: ' ' or '\t'. */
  padchar: string;
  /** Right-align cell text (tabwriter.AlignRight). */
  alignRight?: boolean;
  /** Drop columns made only of empty soft-tab (`\v`) cells (tabwriter.DiscardEmptyColumns). */
  discardEmptyColumns?: boolean;
  /** Print `|` between columns (tabwriter.Debug). */
  debug?: boolean;
}

/** The configuration Docker uses for every table: `NewWriter(out, 10, 1, 3, ' ', 0)`. */
export const DOCKER_TABWRITER: TabwriterOptions = { minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ' };

interface Cell { text: string; width: number; htab: boolean }

function formatSegment(text: string, o: TabwriterOptions): string {
  const lines: Cell[][] = [[]];
  let cur = '';
  const terminate = (htab: boolean): void => {
    lines[lines.length - 1]!.push({ text: cur, width: stringWidth(cur), htab });
    cur = '';
  };
  if (!text.includes('\v')) {
    // The common case, split natively: every cell ends with a tab except a line's last text.
    const rows = text.split('\n');
    rows.forEach((row, r) => {
      const cells = row.split('\t');
      const line = lines[lines.length - 1]!;
      cells.forEach((cell, i) => {
        const last = i === cells.length - 1;
        if (!last || cell.length > 0 || r < rows.length - 1) line.push({ text: cell, width: stringWidth(cell), htab: !last });
      });
      if (r < rows.length - 1) lines.push([]);
    });
  } else {
    for (const ch of text) {
      if (ch === '\t' || ch === '\v') terminate(ch === '\t');
      else if (ch === '\n') { terminate(false); lines.push([]); } else cur += ch;
    }
    if (cur.length > 0) terminate(false);
  }

  const uniform = uniformColumns(lines, o);
  if (uniform !== undefined) return uniform;

  let out = '';
  const widths: number[] = [];
  const writePadding = (textw: number, cellw: number, useTabs: boolean): void => {
    if (o.padchar === '\t' || useTabs) {
      if (o.tabwidth === 0) return;
      const w = Math.ceil(cellw / o.tabwidth) * o.tabwidth;
      out += '\t'.repeat(Math.ceil((w - textw) / o.tabwidth));
      return;
    }
    out += o.padchar.repeat(Math.max(cellw - textw, 0));
  };
  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      lines[i]!.forEach((c, j) => {
        if (j > 0 && o.debug) out += '|';
        const padded = j < widths.length;
        if (c.text === '') {
          if (padded) writePadding(c.width, widths[j]!, false);
        } else if (!o.alignRight || o.padchar === '\t') {
          out += c.text;
          if (padded) writePadding(c.width, widths[j]!, false);
        } else {
          if (padded) writePadding(c.width, widths[j]!, false);
          out += c.text;
        }
      });
      if (i + 1 < lines.length) out += '\n';
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let row = line0; row < line1; row++) {
      if (column >= lines[row]!.length - 1) continue;
      writeLines(line0, row);
      line0 = row;
      let width = o.minwidth;
      let discardable = true;
      for (; row < line1; row++) {
        const line = lines[row]!;
        if (column >= line.length - 1) break;
        const c = line[column]!;
        width = Math.max(width, c.width + o.padding);
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && o.discardEmptyColumns) width = 0;
      widths.push(width);
      format(line0, row);
      widths.pop();
      line0 = row;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out;
}

/**
 * The common table, quickly: every line (but an empty last one) has the same cells,
 * padded with spaces, left-aligned. Then each column but the last is one block over
 * all lines, as the general algorithm below would find it. Undefined otherwise.
 */
function uniformColumns(lines: Cell[][], o: TabwriterOptions): string | undefined {
  if (o.padchar !== ' ' || o.alignRight || o.debug || o.discardEmptyColumns) return undefined;
  const body = lines[lines.length - 1]!.length === 0 ? lines.slice(0, -1) : lines;
  const n = body[0]?.length ?? 0;
  if (n === 0 || body.some((line) => line.length !== n || line[n - 1]!.htab)) return undefined;
  const widths: number[] = [];
  for (let j = 0; j < n - 1; j++) {
    let width = o.minwidth;
    for (const line of body) width = Math.max(width, line[j]!.width + o.padding);
    widths.push(width);
  }
  const out: string[] = [];
  for (const line of body) {
    let text = '';
    for (let j = 0; j < n - 1; j++) text += line[j]!.text + ' '.repeat(Math.max(widths[j]! - line[j]!.width, 0));
    out.push(text + line[n - 1]!.text);
  }
  if (body !== lines) out.push('');
  return out.join('\n');
}

/**
 * Runs `text` through Go's text/tabwriter and flushes it. Cells are
 * terminated by `\t` (or `\v`); the text after a line's last tab is not part
 * of a column and is not padded. A column's width is the widest cell plus
 * padding (at least minwidth) over each block of consecutive lines that have
 * that column. `\f` ends a line and all columns.
 */
export function tabwrite(text: string, options: TabwriterOptions = DOCKER_TABWRITER): string {
  return text.split('\f').map((seg) => formatSegment(seg, options)).join('\n');
}

/** Options for {@link formatRows}. */
export interface FormatRowsOptions {
  /** Format used when `format` is empty or exactly `table` (Docker substitutes the command's default table). */
  defaultFormat?: string;
}

/**
 * Renders rows the way docker/cli's `formatter.Context.Write` does:
 * - `table …`: the rest of the format is the row template; a header line is
 *   produced by executing the same template against `headers` (with Docker's
 *   header functions), and header + rows go through the tabwriter;
 * - `json`: each row printed as `{{json .}}`;
 * - anything else: one template execution per row, no tabwriter.
 * The format is trimmed of spaces and literal `\t`/`\n` escapes become tab
 * and newline. Every row is followed by a newline.
 * @throws TemplateError `template parsing error: template: …` on parse or execution errors.
 */
export function formatRows(format: string, rows: readonly object[], headers: Record<string, string>, options: FormatRowsOptions = {}): string {
  return new RowFormat(format, options).render(rows, headers);
}

/** A --format parsed once (see {@link formatRows}): it tells which row fields it reads, then prints rows. */
export class RowFormat {
  private readonly isTable: boolean;
  private readonly tmpl: GoTemplate;

  /** @throws TemplateError `template parsing error: template: …` */
  constructor(format: string, options: FormatRowsOptions = {}) {
    if ((format === '' || format === 'table') && options.defaultFormat !== undefined) format = options.defaultFormat;
    this.isTable = format.startsWith('table');
    let text = this.isTable ? format.slice('table'.length) : format === 'json' ? '{{json .}}' : format;
    text = text.replace(/^ +| +$/g, '').replace(/\\[tn]/g, (m) => (m === '\\t' ? '\t' : '\n'));
    try {
      this.tmpl = new GoTemplate(text);
    } catch (e) {
      throw parsingError(e);
    }
  }

  /** The fields a row needs for this format; null when the format may read any. */
  get fields(): string[] | null {
    return this.tmpl.fields;
  }

  render(rows: readonly object[], headers: Record<string, string>): string {
    let body = '';
    for (const row of rows) {
      try {
        body += this.tmpl.execute(row) + '\n';
      } catch (e) {
        throw parsingError(e);
      }
    }
    if (!this.isTable) return body;
    let header: string;
    try {
      header = this.tmpl.execute(headers, DOCKER_HEADER_FUNCS);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      header = e.partial;
    }
    return tabwrite(`${header}\n${body}`);
  }
}

/** Docker reports template errors, at parse or execution time alike, as parsing errors. */
function parsingError(e: unknown): unknown {
  return e instanceof TemplateError ? new TemplateError(`template parsing error: ${e.message}`) : e;
}
