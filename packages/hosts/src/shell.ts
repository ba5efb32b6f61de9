/** POSIX shell quoting for values spliced into the scripts run on a host. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
