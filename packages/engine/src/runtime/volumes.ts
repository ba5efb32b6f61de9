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
/** Modes Docker accepts and that mean nothing here (SELinux relabel, nocopy). */
const IGNORED_MODES = new Set(['z', 'Z', 'nocopy']);

/**
 * Parses `-v host:container[:mode]` with Docker's Linux rules. The host side
 * must be an absolute path: named and anonymous volumes are the volume
 * layer's business (it resolves them to host paths first) and are rejected
 * here as `unsupported`. Modes: `ro`/`rw`, a propagation, `z`/`Z`/`nocopy`,
 * comma-separated.
 */
export function parseBind(spec: string): BindMount {
  const bad = (why?: string): never => {
    throw new DrydockError('invalid-argument', `invalid volume specification: '${spec}'${why ? `: ${why}` : ''}`);
  };
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) {
    if (parts.length === 1 && spec.startsWith('/')) throw new DrydockError('unsupported', `anonymous volume '${spec}' needs the volume layer`);
    return bad();
  }
  const [src = '', dst = '', mode = ''] = parts;
  if (src === '' || dst === '') return bad();
  if (!src.startsWith('/')) throw new DrydockError('unsupported', `named volume '${src}' needs the volume layer`);
  if (!dst.startsWith('/')) return bad(`invalid mount path: '${dst}' mount path must be absolute`);
  const destination = posix.normalize(dst).replace(/(.)\/+$/, '$1');
  if (destination === '/') return bad("destination can't be '/'");
  const out: BindMount = { source: posix.normalize(src).replace(/(.)\/+$/, '$1'), destination, readonly: false };
  let rwSeen = false;
  for (const m of mode === '' ? [] : mode.split(',')) {
    if (m === 'ro' || m === 'rw') {
      if (rwSeen) return bad(`invalid mode: ${mode}`);
      rwSeen = true;
      out.readonly = m === 'ro';
    } else if (PROPAGATIONS.has(m)) {
      if (out.propagation) return bad(`invalid mode: ${mode}`);
      out.propagation = m as BindMount['propagation'];
    } else if (!IGNORED_MODES.has(m)) {
      return bad(`invalid mode: ${mode}`);
    }
  }
  return out;
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
