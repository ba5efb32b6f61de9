import type { Engine, ImageSummary } from '@drydock/engine';
import { reference } from '@drydock/engine';
import { humanSize, humanSizeWithPrecision, timeAgo, truncateId } from '../format/units.js';
import { boolFilter, checkFilterKeys, matchLabel } from '../options.js';

/** Column headers of `docker images`, by template field. */
export const IMAGE_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'VIRTUAL SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

/**
 * Which images `docker images` shows (the daemon's Images()): intermediate
 * images only with --all; then the filters reference=, dangling=, label=,
 * before=, since=. A reference filter also narrows the tags shown.
 */
export function selectImages(engine: Engine, filters: Record<string, string[]>, all: boolean): ImageSummary[] {
  checkFilterKeys(filters, ['reference', 'dangling', 'label', 'before', 'since']);
  const dangling = boolFilter(filters, 'dangling');
  const beforeMs = filters.before?.map((r) => createdOf(engine, r));
  const sinceMs = filters.since?.map((r) => createdOf(engine, r));
  const out: ImageSummary[] = [];
  for (const image of engine.list()) {
    const isDangling = image.repoTags.length === 0;
    if (!all && isDangling && (image.hasChildren || image.intermediate) && dangling === undefined) continue;
    if (dangling !== undefined && isDangling !== dangling) continue;
    if (beforeMs && !beforeMs.every((t) => image.createdMs < t)) continue;
    if (sinceMs && !sinceMs.every((t) => image.createdMs > t)) continue;
    if (filters.label && !filters.label.every((l) => matchLabel(image.labels, l))) continue;
    if (filters.reference) {
      const tags = image.repoTags.filter((t) => filters.reference!.some((p) => reference.familiarMatch(p, reference.parseNormalizedNamed(t))));
      const digests = image.repoDigests.filter((d) => filters.reference!.some((p) => reference.familiarMatch(p, reference.parseNormalizedNamed(d))));
      if (tags.length === 0 && digests.length === 0) continue;
      out.push({ ...image, repoTags: tags, repoDigests: digests });
      continue;
    }
    out.push(image);
  }
  return out;
}

function createdOf(engine: Engine, refOrId: string): number {
  const id = engine.resolve(refOrId);
  return engine.list().find((i) => i.id === id)!.createdMs;
}

/** The template fields of one `docker images` row (docker/cli imageContext). */
export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

/** What one row's fields are computed from. */
interface RowSource {
  image: ImageSummary;
  repository: string;
  tag: string;
  digest: string;
}

/**
 * One row per repository:tag (per digest too with --digests), digest-only
 * repositories as `<none>` tags, and `<none> <none>` for dangling images.
 * With `fields`, a row has only those (the format reads no others): a cold
 * process formatting a thousand rows feels every value it computes.
 */
export function imageRows(images: ImageSummary[], opts: { digests: boolean; trunc: boolean; fields?: readonly string[] | null }): Partial<ImageRow>[] {
  const now = new Date();
  const memoized = (f: (n: number) => string) => {
    const cache = new Map<number, string>();
    return (n: number) => cache.get(n) ?? (cache.set(n, f(n)), cache.get(n)!);
  };
  const size3 = memoized((n) => humanSizeWithPrecision(n, 3));
  const size4 = memoized(humanSize);
  const compute: Record<keyof ImageRow, (r: RowSource) => string> = {
    Containers: () => 'N/A',
    CreatedAt: (r) => goTimeString(r.image.createdMs),
    CreatedSince: (r) => timeAgo(new Date(Math.floor(r.image.createdMs / 1000) * 1000), now),
    Digest: (r) => r.digest,
    ID: (r) => (opts.trunc ? truncateId(r.image.id) : r.image.id),
    Repository: (r) => r.repository,
    SharedSize: () => 'N/A',
    Size: (r) => size3(r.image.size),
    Tag: (r) => r.tag,
    UniqueSize: () => 'N/A',
    VirtualSize: (r) => size4(r.image.size),
  };
  const wanted = (opts.fields ?? Object.keys(compute)).filter((f): f is keyof ImageRow => Object.hasOwn(compute, f));
  const rows: Partial<ImageRow>[] = [];
  for (const source of rowSources(images, opts.digests)) {
    const row: Partial<ImageRow> = {};
    for (const field of wanted) row[field] = compute[field](source);
    rows.push(row);
  }
  return rows;
}

function* rowSources(images: ImageSummary[], withDigests: boolean): Generator<RowSource> {
  for (const image of images) {
    if (image.repoTags.length === 0 && image.repoDigests.length === 0) {
      yield { image, repository: '<none>', tag: '<none>', digest: '<none>' };
      continue;
    }
    const tagsByRepo = group(image.repoTags, (s) => splitAt(s, ':'));
    const digestsByRepo = group(image.repoDigests, (s) => splitAt(s, '@'));
    for (const [repository, tags] of tagsByRepo) {
      const digests = withDigests ? digestsByRepo.get(repository) ?? [] : [];
      digestsByRepo.delete(repository);
      for (const tag of tags) {
        if (digests.length === 0) yield { image, repository, tag, digest: '<none>' };
        else for (const digest of digests) yield { image, repository, tag, digest };
      }
    }
    for (const [repository, digests] of digestsByRepo) {
      if (withDigests) for (const digest of digests) yield { image, repository, tag: '<none>', digest };
      else yield { image, repository, tag: '<none>', digest: '' };
    }
  }
}

/** Splits at the last separator that is not part of a registry host:port. */
function splitAt(s: string, sep: ':' | '@'): [string, string] {
  const i = sep === '@' ? s.indexOf('@') : s.lastIndexOf(':');
  return i > s.lastIndexOf('/') ? [s.slice(0, i), s.slice(i + 1)] : [s, ''];
}

function group(values: string[], split: (s: string) => [string, string]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const v of [...values].sort()) {
    const [k, rest] = split(v);
    m.set(k, [...(m.get(k) ?? []), rest]);
  }
  return m;
}

/** Go's time.Time.String() for a UTC instant, at second precision as Docker's Unix times. */
export function goTimeString(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
