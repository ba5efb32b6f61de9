/**
 * Build contexts (`docker build PATH | -`), with BuildKit's rules:
 *
 * - A directory, with the Dockerfile inside it or anywhere else (`-f`), or
 *   given as bytes (`-f -`).
 * - A tar stream (`docker build - < ctx.tar`), plain or gzip/bzip2/xz/zstd
 *   compressed, extracted root-confined into a private directory the caller
 *   provides; the Dockerfile is read from inside it.
 * - A Dockerfile alone (`docker build - < Dockerfile`): an empty context.
 *
 * `.dockerignore`: `<Dockerfile>.dockerignore` beside the Dockerfile wins over
 * the context's `.dockerignore`. Ignored files are invisible to COPY/ADD
 * (see `tree.ts`), while the Dockerfile bytes and the patterns themselves
 * are read when the context is made, so they serve the build even when
 * ignored. BuildKit applies no .dockerignore to a tar context (it arrives as
 * a remote context); `{ dockerignore: true }` applies one as for a directory.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Readable } from 'node:stream';
import { DrydockError } from '../../errors.js';
import { createIgnoreMatcher, readDockerignore, type IgnoreMatcher } from '../../dockerfile/dockerignore.js';
import { decompress, detectCompression } from '../../layers/decompress.js';
import { unpackLayer } from '../../snapshot/unpack.js';
import { isTarHeader, peekStream, TarScanner } from '../copy/archive.js';
import { cleanSource, hostPath, resolveInTree, walkTree, type SourceTree, type TreeEntry, type WalkVisit } from './tree.js';

const DEFAULT_DOCKERFILE = 'Dockerfile';
const DOCKERIGNORE = '.dockerignore';

/** A build context. Immutable once made; its files are read lazily. */
export class BuildContext implements SourceTree {
  readonly kind = 'context' as const;
  readonly ignore: IgnoreMatcher | null;

  /** @internal use the `contextFrom*` functions. */
  constructor(
    /** Host directory of the context; null for a Dockerfile-only context. */
    readonly root: string | null,
    /** The Dockerfile's bytes. */
    readonly dockerfile: Buffer,
    /** The Dockerfile's name as messages show it (`Dockerfile`, `build/app.Dockerfile`, `-`). */
    readonly dockerfileName: string,
    /** The .dockerignore patterns in force (as `readDockerignore` returns them). */
    readonly ignorePatterns: readonly string[],
    /** Which file they came from (`.dockerignore`, `<Dockerfile>.dockerignore`), or null. */
    readonly ignoreFile: string | null,
  ) {
    this.ignore = ignorePatterns.length > 0 ? createIgnoreMatcher(ignorePatterns) : null;
  }

  /** Whether .dockerignore hides `rel` (a clean context-relative path). */
  isIgnored(rel: string): boolean {
    return rel !== '' && this.ignore !== null && this.ignore.matches(rel);
  }

  /** The visible entry at `rel` (symlinks followed inside the context), or null. */
  stat(rel: string): TreeEntry | null {
    return resolveInTree(this, cleanSource(rel));
  }

  /** Walks the visible entries below `dir` (default: the whole context); see `walkTree`. */
  walk(visit: WalkVisit, dir = ''): void {
    if (this.root === null) return;
    const start = resolveInTree(this, cleanSource(dir));
    if (!start || !start.stat.isDirectory()) throw new DrydockError('not-found', `${JSON.stringify(`/${cleanSource(dir)}`)}: not found`);
    walkTree(this, start.rel, visit);
  }

  /** Every visible path below `dir`, directories included, sorted (code-unit order, depth first). */
  listFiles(dir = ''): string[] {
    const out: string[] = [];
    this.walk((e) => void out.push(e.rel), dir);
    return out;
  }
}

export interface DirectoryContextOptions {
  /**
   * The Dockerfile: a host path (absolute, or relative to the context
   * directory), by default `Dockerfile` in the context (falling back to
   * `dockerfile`, as the docker CLI does); or its bytes (`-f -`), in which
   * case only the context's `.dockerignore` applies.
   */
  dockerfile?: string | { content: string | Uint8Array };
}

/**
 * A context from a directory. Fails with `not-found` when the directory or
 * the Dockerfile is missing, `invalid-argument` for a malformed .dockerignore.
 */
export function contextFromDirectory(dir: string, opts: DirectoryContextOptions = {}): BuildContext {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) throw new DrydockError('not-found', `unable to prepare context: path ${JSON.stringify(dir)} not found`);
  const spec = opts.dockerfile;
  if (typeof spec === 'object') {
    return new BuildContext(dir, Buffer.from(spec.content), '-', ...ignoreFrom([join(dir, DOCKERIGNORE)]));
  }
  let path = spec === undefined ? join(dir, DEFAULT_DOCKERFILE) : isAbsolute(spec) ? spec : join(dir, spec);
  if (spec === undefined && !existsSync(path) && existsSync(join(dir, 'dockerfile'))) path = join(dir, 'dockerfile');
  const name = spec ?? (path.endsWith('/dockerfile') ? 'dockerfile' : DEFAULT_DOCKERFILE);
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (err) {
    throw new DrydockError('not-found', `failed to read dockerfile: open ${name}: no such file or directory`, { cause: err });
  }
  return new BuildContext(dir, content, name, ...ignoreFrom([`${path}.dockerignore`, join(dir, DOCKERIGNORE)]));
}

/** A Dockerfile-only context (`docker build - < Dockerfile`): COPY finds nothing. */
export function contextFromDockerfile(content: string | Uint8Array): BuildContext {
  return new BuildContext(null, Buffer.from(content), '-', [], null);
}

export interface TarContextOptions {
  /** Path of the Dockerfile inside the archive (default `Dockerfile`). */
  dockerfile?: string;
  /** Apply the archive's .dockerignore (BuildKit does not: default false). */
  dockerignore?: boolean;
}

/**
 * A context from a tar stream, plain or compressed, extracted into `tmpDir`
 * (an existing, empty, private directory the caller owns and removes).
 * Extraction is root-confined (`unpackLayer`): absolute or `..` names fail
 * with `invalid-archive`, symlinks never lead outside `tmpDir`. Owners are
 * not restored. An entry named like an OCI whiteout fails with
 * `unsupported`. The Dockerfile must be a file inside the archive
 * (`not-found` otherwise).
 */
export async function contextFromTar(stream: Readable, tmpDir: string, opts: TarContextOptions = {}): Promise<BuildContext> {
  const { stream: plain } = await decompress(stream);
  const scanner = new TarScanner('build context');
  plain.on('error', (err) => scanner.destroy(err));
  await unpackLayer(plain.pipe(scanner), tmpDir, { whiteouts: 'apply', sameOwner: false });
  const tree: SourceTree = { root: tmpDir, kind: 'context', ignore: null };
  const name = opts.dockerfile ?? DEFAULT_DOCKERFILE;
  const rel = cleanSource(name);
  const content = readInTree(tree, rel);
  if (content === null) throw new DrydockError('not-found', `failed to read dockerfile: open ${name}: no such file or directory`);
  if (!opts.dockerignore) return new BuildContext(tmpDir, content, name, [], null);
  for (const candidate of [`${rel}.dockerignore`, DOCKERIGNORE]) {
    const text = readInTree(tree, candidate);
    if (text !== null) return new BuildContext(tmpDir, content, name, parseIgnore(text, candidate), candidate);
  }
  return new BuildContext(tmpDir, content, name, [], null);
}

/**
 * `docker build -`: stdin is a context when it starts like an archive (a
 * compression magic, or a tar header, as buildx decides) and a Dockerfile
 * otherwise. `dockerfile` names the Dockerfile inside an archive; giving it
 * when stdin is a Dockerfile is an error, as in buildx.
 */
export async function contextFromStdin(stream: Readable, tmpDir: string, opts: TarContextOptions = {}): Promise<BuildContext> {
  const { head, stream: all } = await peekStream(stream, 1024);
  if (detectCompression(head) !== 'none' || isTarHeader(head.subarray(0, 512))) return contextFromTar(all, tmpDir, opts);
  if (opts.dockerfile !== undefined) throw new DrydockError('invalid-argument', 'ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles');
  const chunks: Buffer[] = [];
  for await (const c of all) chunks.push(c as Buffer);
  return contextFromDockerfile(Buffer.concat(chunks));
}

/** The first of `candidates` (host paths) that exists, parsed. */
function ignoreFrom(candidates: string[]): [string[], string | null] {
  for (const path of candidates) {
    let text: Buffer;
    try {
      text = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new DrydockError('io', `cannot read ${path}: ${code ?? String(err)}`, { cause: err });
    }
    const name = path.slice(path.lastIndexOf('/') + 1);
    return [parseIgnore(text, name), name];
  }
  return [[], null];
}

function parseIgnore(text: Buffer, name: string): string[] {
  try {
    return readDockerignore(text);
  } catch (err) {
    throw new DrydockError('invalid-argument', `failed parsing ${name}: ${(err as Error).message}`, { cause: err });
  }
}

/** A regular file's bytes, the path resolved inside the tree (ignore rules do not apply); null if absent. */
function readInTree(tree: SourceTree, rel: string): Buffer | null {
  const entry = resolveInTree({ ...tree, ignore: null }, rel);
  if (!entry || !entry.stat.isFile()) return null;
  return readFileSync(hostPath(tree, entry.rel));
}
