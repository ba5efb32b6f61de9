import { CliExit } from './runtime.js';

/** Commander reducer for repeatable options (`-f a -f b`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--filter key=value` options grouped by key, as Docker's filters.Args. */
export function parseFilters(values: string[]): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new CliExit(`Error: bad format of filter (expected name=value)`, 125);
    const key = v.slice(0, i).trim().toLowerCase();
    (filters[key] ??= []).push(v.slice(i + 1).trim());
  }
  return filters;
}

/** Fails with Docker's text on a filter key the command does not know. */
export function checkFilterKeys(filters: Record<string, string[]>, known: readonly string[]): void {
  for (const key of Object.keys(filters)) if (!known.includes(key)) throw new CliExit(`Error: invalid filter '${key}'`, 1);
}

/** Docker's `label=KEY` (the label is set) or `label=KEY=VALUE` (set to VALUE). */
export function matchLabel(labels: Record<string, string> | null | undefined, filter: string): boolean {
  const i = filter.indexOf('=');
  if (i < 0) return labels?.[filter] !== undefined;
  return labels?.[filter.slice(0, i)] === filter.slice(i + 1);
}

/** A true/false filter such as `dangling=` (its first value), or undefined when absent. */
export function boolFilter(filters: Record<string, string[]>, key: string): boolean | undefined {
  return filters[key]?.map((v) => {
    if (!['true', 'false', '1', '0'].includes(v.toLowerCase())) throw new CliExit(`Error: invalid filter '${key}=${v}'`, 1);
    return v.toLowerCase() === 'true' || v === '1';
  })[0];
}
