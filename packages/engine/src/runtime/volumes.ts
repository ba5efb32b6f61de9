import { existsSync, mkdirSync } from 'node:fs';
import { posix } from 'node:path';
import { DrydockError } from '../errors.js';
import type { OciMount } from './defaults.js';

/** A bind mount: a host path shown at a container path. */
export interface BindMount {
  source: string;
  destination: string;
  readonly: boolean;
  /** Mount propagation; Docker's default is `rprivate`. */
  propagation?: 'shared' | 'rshared' | 'slave' | 'rslave' | 'private' | 'rprivate';
}

const PROPAGATIONS = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
/** Modes Docker accepts and that mean nothing here (SELinux relabel). */
const IGNORED_MODES = new Set(['z', 'Z']);

/**
 * A `-v` spec as Docker reads it on Linux: a bind (the source is an absolute
 * host path), a named volume (the source is a name), or an anonymous volume
 * (a container path alone). `mode` is the mode text as given (Docker shows
 * it in inspect's Mounts).
 */
export type VolumeSpec =
  | { kind: 'bind'; bind: BindMount; mode: string }
  | { kind: 'volume'; name: string; destination: string; readonly: boolean; mode: string; nocopy: boolean }
  | { kind: 'anonymous'; destination: string };

/**
 * Parses `-v [source:]container[:mode]`. Modes: `ro`/`rw`, a propagation,
 * `z`/`Z`, `nocopy` (volumes only: no copy of the image's content),
 * comma-separated. Volume names are checked by the volume store, not here.
 */
export function parseVolumeSpec(spec: string): VolumeSpec {
  const bad = (why?: string): never => {
    throw new DrydockError('invalid-argument', `invalid volume specification: '${spec}'${why ? `: ${why}` : ''}`);
  };
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) return bad();
  const [src = '', dst = src, mode = ''] = parts.length === 1 ? [undefined, spec] : parts;
  if (!dst.startsWith('/')) return bad(`invalid mount path: '${dst}' mount path must be absolute`);
  const destination = cleanPath(dst);
  if (destination === '/') return bad("destination can't be '/'");
  if (parts.length === 1) return { kind: 'anonymous', destination };
  let readonly = false;
  let rwSeen = false;
  let propagation: BindMount['propagation'];
  let nocopy = false;
  for (const m of mode === '' ? [] : mode.split(',')) {
    if (m === 'ro' || m === 'rw') {
      if (rwSeen) return bad(`invalid mode: ${mode}`);
      rwSeen = true;
      readonly = m === 'ro';
    } else if (PROPAGATIONS.has(m)) {
      if (propagation) return bad(`invalid mode: ${mode}`);
      propagation = m as BindMount['propagation'];
    } else if (m === 'nocopy' && !src.startsWith('/')) {
      nocopy = true;
    } else if (!IGNORED_MODES.has(m)) {
      return bad(`invalid mode: ${mode}`);
    }
  }
  if (!src.startsWith('/')) return { kind: 'volume', name: src, destination, readonly, mode: mode === '' ? 'z' : mode, nocopy };
  return { kind: 'bind', bind: { source: cleanPath(src), destination, readonly, ...(propagation ? { propagation } : {}) }, mode };
}

/** Parses a bind `-v host:container[:mode]`; named and anonymous volumes are `unsupported` here (the container layer resolves them). */
export function parseBind(spec: string): BindMount {
  const parsed = parseVolumeSpec(spec);
  if (parsed.kind !== 'bind') throw new DrydockError('unsupported', `${parsed.kind === 'volume' ? `named volume '${parsed.name}'` : `anonymous volume '${spec}'`} needs the volume layer`);
  return parsed.bind;
}

/** A container path as Docker keeps it: normalized, no trailing slash (but `/`). */
export function cleanPath(p: string): string {
  return posix.normalize(p).replace(/(.)\/+$/, '$1');
}

/** The OCI mount for a bind (Docker's options: rbind, ro when read-only, the propagation). */
export function bindToOci(b: BindMount): OciMount {
  return {
    destination: b.destination,
    type: 'bind',
    source: b.source,
    options: ['rbind', ...(b.readonly ? ['ro'] : []), b.propagation ?? 'rprivate'],
  };
}

/**
 * Creates missing bind sources as directories, as `docker run -v` does
 * (`--mount` would refuse instead). Call before starting the container.
 */
export function ensureBindSources(binds: readonly BindMount[]): void {
  for (const b of binds) {
    if (existsSync(b.source)) continue;
    try {
      mkdirSync(b.source, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new DrydockError('io', `cannot create bind source ${b.source}: ${(err as Error).message}`, { cause: err });
    }
  }
}
