/**
 * Variable sources for the shell lexer. BuildKit looks names up through an
 * `EnvGetter`; on Windows the lookup is case-insensitive (names upper-cased),
 * elsewhere it is exact.
 */

/** Looks up one variable: `undefined` means unset (distinct from `""`, set but empty). */
export interface EnvGetter {
  get(name: string): string | undefined;
}

/** Anything the lexer accepts as an environment. */
export type ShellEnv = EnvGetter | ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/** Options for {@link envFromList} and {@link envFromRecord}. */
export interface EnvOptions {
  /** Compare names case-insensitively, as BuildKit does on Windows. Default false. */
  caseInsensitive?: boolean;
}

/**
 * Builds a getter from `NAME=value` strings (Go `EnvsFromSlice`): the name is
 * cut at the first `=`, an entry without `=` defines the name as `""`, and a
 * later entry for the same name wins.
 */
export function envFromList(entries: Iterable<string>, options: EnvOptions = {}): EnvGetter {
  const norm = normalizer(options);
  const map = new Map<string, string>();
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq < 0) map.set(norm(e), '');
    else map.set(norm(e.slice(0, eq)), e.slice(eq + 1));
  }
  return { get: (name) => map.get(norm(name)) };
}

/** Builds a getter from a plain object or a Map of names to values. */
export function envFromRecord(
  record: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  options: EnvOptions = {},
): EnvGetter {
  const norm = normalizer(options);
  const map = new Map<string, string>();
  const entries = record instanceof Map ? record.entries() : Object.entries(record);
  for (const [k, v] of entries) map.set(norm(k), v);
  return { get: (name) => map.get(norm(name)) };
}

/** Normalises whatever the caller passed into an {@link EnvGetter}. */
export function toEnvGetter(env: ShellEnv): EnvGetter {
  if (env instanceof Map) return envFromRecord(env);
  if (typeof (env as EnvGetter).get === 'function') return env as EnvGetter;
  return envFromRecord(env as Readonly<Record<string, string>>);
}

function normalizer(options: EnvOptions): (name: string) => string {
  return options.caseInsensitive ? (name) => name.toUpperCase() : (name) => name;
}
