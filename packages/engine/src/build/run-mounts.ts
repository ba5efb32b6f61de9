/**
 * `RUN --mount=…` as BuildKit's Dockerfile frontend defines it:
 *
 * - `type=bind` (the default): `source` from the context (after
 *   .dockerignore) or `from=` a stage or image, read-only unless `rw`
 *   (writes then go to a throwaway copy).
 * - `type=cache`: a directory kept across builds on this host, keyed by `id`
 *   (default: the target), created with `mode`/`uid`/`gid`; `sharing`
 *   `shared` (default), `locked` (one step at a time) or `private` (a fresh
 *   directory while another step holds it). `builder prune` deletes them.
 * - `type=tmpfs`: an empty tmpfs (`size=` bytes).
 * - `type=secret`: a secret given to the build (`--secret id=…`), read-only
 *   at `target` (default `/run/secrets/<id>`), mode 0400; never in a layer or
 *   a cache key. A missing secret is skipped unless `required`.
 *
 * Directory targets the runtime creates stay in the layer as in Docker 20.10
 * (BuildKit 0.8); file mount points it creates do not.
 */
import { chmodSync, chownSync, cpSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, posix } from 'node:path';
import { DrydockError } from '../errors.js';
import type { OciMount } from '../runtime/defaults.js';
import { hashSources } from './context/hash.js';
import { cleanSource, hostPath, resolveInTree, type SourceTree } from './context/tree.js';
import { copyInto } from './copy/copy.js';
import { acquireDirLock } from '../store/dir-lock.js';

export type RunMount =
  | { type: 'bind'; target: string; source: string; from?: string; readonly: boolean }
  | { type: 'cache'; target: string; id: string; sharing: 'shared' | 'private' | 'locked'; readonly: boolean; mode: number; uid: number; gid: number }
  | { type: 'tmpfs'; target: string; size?: number }
  | { type: 'secret'; target: string; id: string; required: boolean; mode: number; uid: number; gid: number };

/** A secret given to the build: a host file or the bytes themselves. */
export type SecretSource = { path: string } | { data: Buffer };

export interface RunFlags {
  network: 'host' | 'none';
  mounts: RunMount[];
}

/** Where mounted things come from, for one RUN step. */
export interface MountSources {
  context: SourceTree;
  /** A stage's or image's rootfs (`from=`), mounted until `release`. */
  rootfsOf: (from: string) => Promise<{ tree: SourceTree; release?: () => void }>;
  /** The cache key part of a `from=` source (the stage's or image's ID). */
  imageKeyOf: (from: string) => string;
  /** Where cache mounts live (shared by every build on the host). */
  cacheRoot: string;
  /** A private directory for this step's copies and secrets; the caller deletes it. */
  scratch: string;
  secrets: Readonly<Record<string, SecretSource>>;
}

/** The RUN flags: `--network=default|host|none` and any number of `--mount`. Others are refused. */
export function parseRunFlags(flags: readonly string[], expand: (word: string) => string, workdir: string): RunFlags {
  const out: RunFlags = { network: 'host', mounts: [] };
  for (const flag of flags) {
    const [name, value = ''] = flag.replace(/^--/, '').split(/=(.*)/s);
    if (name === 'network' && ['default', 'host', 'none'].includes(value)) out.network = value === 'none' ? 'none' : 'host';
    else if (name === 'mount') out.mounts.push(parseMount(value, expand, workdir));
    else throw new DrydockError('unsupported', `RUN --${name}${value ? `=${value}` : ''} is not supported`);
  }
  const targets = out.mounts.map((m) => m.target);
  const dup = targets.find((t, i) => targets.indexOf(t) !== i);
  if (dup) throw new DrydockError('invalid-argument', `mount target ${dup} is used more than once`);
  return out;
}

function parseMount(value: string, expand: (word: string) => string, workdir: string): RunMount {
  const fields = new Map<string, string | true>();
  for (const field of splitCsv(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    fields.set(key, eq < 0 ? true : expand(field.slice(eq + 1)));
  }
  const str = (...keys: string[]) => {
    for (const k of keys) {
      const v = fields.get(k);
      if (typeof v === 'string') return v;
    }
    return undefined;
  };
  const bool = (...keys: string[]) => keys.some((k) => {
    const v = fields.get(k);
    if (v === undefined) return false;
    if (v === true || v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new DrydockError('invalid-argument', `invalid value for ${k}: ${v}`);
  });
  const known = new Set(['type', 'target', 'dst', 'destination', 'source', 'src', 'from', 'readonly', 'ro', 'rw', 'readwrite', 'id', 'sharing', 'mode', 'uid', 'gid', 'size', 'required']);
  for (const k of fields.keys()) if (!known.has(k)) throw new DrydockError('invalid-argument', `unexpected key '${k}' in '${value}'`);
  const type = str('type') ?? 'bind';
  if (type === 'ssh') throw new DrydockError('unsupported', 'RUN --mount=type=ssh is not supported');
  if (!['bind', 'cache', 'tmpfs', 'secret'].includes(type)) throw new DrydockError('invalid-argument', `unsupported mount type ${JSON.stringify(type)}`);
  const id = str('id');
  const rawTarget = str('target', 'dst', 'destination') ?? (type === 'secret' && id ? `/run/secrets/${id}` : undefined);
  if (!rawTarget) throw new DrydockError('invalid-argument', `mount ${JSON.stringify(value)}: target is required`);
  const target = posix.isAbsolute(rawTarget) ? posix.normalize(rawTarget) : posix.join('/', workdir, rawTarget);
  const num = (k: string, def: number, base = 10) => {
    const v = str(k);
    if (v === undefined) return def;
    const n = Number.parseInt(v, base);
    if (!/^\d+$/.test(v) || Number.isNaN(n)) throw new DrydockError('invalid-argument', `invalid value for ${k}: ${v}`);
    return n;
  };
  const readonly = bool('readonly', 'ro');
  const rw = bool('rw', 'readwrite');
  switch (type) {
    case 'bind':
      return { type, target, source: str('source', 'src') ?? '/', ...(str('from') ? { from: str('from')! } : {}), readonly: !rw };
    case 'cache': {
      const sharing = str('sharing') ?? 'shared';
      if (sharing !== 'shared' && sharing !== 'private' && sharing !== 'locked') throw new DrydockError('invalid-argument', `unsupported sharing value ${JSON.stringify(sharing)}`);
      if (str('from') !== undefined) throw new DrydockError('unsupported', 'RUN --mount=type=cache,from=… is not supported');
      return { type, target, id: id ?? target, sharing, readonly, mode: num('mode', 0o755, 8), uid: num('uid', 0), gid: num('gid', 0) };
    }
    case 'tmpfs': {
      const size = str('size');
      return { type, target, ...(size !== undefined ? { size: parseSize(size) } : {}) };
    }
    case 'secret': {
      const secretId = id ?? basename(target);
      return { type, target, id: secretId, required: bool('required'), mode: num('mode', 0o400, 8), uid: num('uid', 0), gid: num('gid', 0) };
    }
    default:
      throw new DrydockError('internal', `mount type ${type}`);
  }
}

/** Go's csv reader, as BuildKit parses mount options: commas separate, double quotes group. */
function splitCsv(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      if (quoted && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new DrydockError('invalid-argument', `unterminated quote in mount options ${JSON.stringify(s)}`);
  out.push(cur);
  return out.filter((f) => f !== '');
}

function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v);
  if (!m) throw new DrydockError('invalid-argument', `invalid size ${JSON.stringify(v)}`);
  return Math.round(Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()));
}

/**
 * What the mounts add to a RUN step's cache key: the content of bound
 * context sources and the IDs of bound stages or images. Cache, tmpfs and
 * secret mounts do not count, as in BuildKit.
 */
export function mountCacheInputs(mounts: readonly RunMount[], sources: Pick<MountSources, 'context' | 'imageKeyOf'>): string[] {
  return mounts.flatMap((m) => {
    if (m.type !== 'bind') return [];
    if (m.from !== undefined) return [`${m.target}<-${m.from}:${sources.imageKeyOf(m.from)}:${cleanSource(m.source)}`];
    return [`${m.target}<-context:${hashSources(sources.context, [m.source]).digest}`];
  });
}

export interface AttachedMounts {
  oci: OciMount[];
  /** File mount points the runtime will create in the rootfs: left out of the layer. */
  stubs: string[];
  release: () => void;
}

/** Makes the step's mounts ready on the host and describes them for the OCI spec. `root` is the step's rootfs. */
export async function attachRunMounts(mounts: readonly RunMount[], root: string, sources: MountSources): Promise<AttachedMounts> {
  const oci: OciMount[] = [];
  const stubs: string[] = [];
  const releases: (() => void)[] = [];
  const release = () => {
    for (const r of releases.reverse()) r();
  };
  const bind = (target: string, source: string, readonly: boolean) => {
    oci.push({ destination: target, type: 'bind', source, options: ['rbind', readonly ? 'ro' : 'rw'] });
    if (!lstatSync(source).isDirectory() && !exists(join(root, target))) stubs.push(target);
  };
  try {
    for (const m of mounts) {
      switch (m.type) {
        case 'bind': {
          if (m.from !== undefined) {
            const fs = await sources.rootfsOf(m.from);
            if (fs.release) releases.push(fs.release);
            bind(m.target, sourcePath(fs.tree, m.source, m.from), m.readonly);
          } else {
            bind(m.target, await contextSource(sources, m.source, !m.readonly), m.readonly);
          }
          break;
        }
        case 'cache': {
          const dir = await cacheDir(sources, m, releases);
          oci.push({ destination: m.target, type: 'bind', source: dir, options: ['rbind', m.readonly ? 'ro' : 'rw'] });
          break;
        }
        case 'tmpfs':
          oci.push({ destination: m.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', ...(m.size !== undefined ? [`size=${m.size}`] : [])] });
          break;
        case 'secret': {
          const secret = sources.secrets[m.id];
          if (!secret) {
            if (m.required) throw new DrydockError('not-found', `secret ${m.id} not found`);
            break;
          }
          const file = join(sources.scratch, 'secrets', createHash('sha256').update(m.target).digest('hex'));
          mkdirSync(join(sources.scratch, 'secrets'), { recursive: true, mode: 0o700 });
          if ('data' in secret) writeFileSync(file, secret.data, { mode: m.mode });
          else cpSync(secret.path, file);
          chownSync(file, m.uid, m.gid);
          chmodSync(file, m.mode);
          bind(m.target, file, true);
          break;
        }
      }
    }
  } catch (err) {
    release();
    throw err;
  }
  return { oci, stubs, release };
}

/** A context source for a bind mount: the context's own file when read-only and nothing is ignored, else a private copy. */
async function contextSource(sources: MountSources, source: string, writable: boolean): Promise<string> {
  const tree = sources.context;
  if (!writable && tree.ignore === null && tree.root !== null) return sourcePath(tree, source, 'context');
  const clean = cleanSource(source);
  const entry = clean === '' ? null : resolveInTree(tree, clean);
  if (clean !== '' && !entry) throw new DrydockError('not-found', `failed to compute cache key: ${JSON.stringify(`/${clean}`)}: not found`);
  const copy = join(sources.scratch, `bind-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  mkdirSync(copy, { recursive: true, mode: 0o755 });
  if (tree.root !== null) await copyInto(copy, { from: tree, sources: [clean === '' ? '.' : clean], dest: '/' });
  return entry && !entry.stat.isDirectory() ? join(copy, basename(clean)) : copy;
}

/** The host path of `source` inside a tree, resolved confined to it. */
function sourcePath(tree: SourceTree, source: string, from: string): string {
  const clean = cleanSource(source);
  if (clean === '') return hostPath(tree, '');
  const entry = resolveInTree(tree, clean);
  if (!entry) throw new DrydockError('not-found', `failed to compute cache key: ${JSON.stringify(`/${clean}`)}: not found in ${from}`);
  return hostPath(tree, entry.rel);
}

async function cacheDir(sources: MountSources, m: Extract<RunMount, { type: 'cache' }>, releases: (() => void)[]): Promise<string> {
  const dir = join(sources.cacheRoot, createHash('sha256').update(m.id).digest('hex'));
  if (!exists(dir)) {
    const tmp = `${dir}.new-${process.pid}`;
    mkdirSync(tmp, { recursive: true, mode: m.mode });
    chownSync(tmp, m.uid, m.gid);
    chmodSync(tmp, m.mode);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another build made it first
    }
  }
  if (m.sharing === 'shared') return dir;
  const lock = await acquireDirLock(`${dir}.lock`, { wait: m.sharing === 'locked' });
  if (lock) {
    releases.push(lock);
    return dir;
  }
  // private, and another step holds the cache: a fresh directory of its own.
  const fresh = join(sources.scratch, `cache-${createHash('sha256').update(m.id).digest('hex').slice(0, 16)}`);
  mkdirSync(fresh, { recursive: true, mode: m.mode });
  chownSync(fresh, m.uid, m.gid);
  return fresh;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

