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
