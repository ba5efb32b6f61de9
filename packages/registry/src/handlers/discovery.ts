/**
 * Listing endpoints: `GET /v2/<name>/tags/list`, `GET /v2/_catalog` (both in lexical order,
 * paginated by `n`/`last` with a `Link: <…>; rel="next"` header while more follow) and the
 * referrers API `GET /v2/<name>/referrers/<digest>[?artifactType=]` (always an OCI index;
 * empty, not 404, for an unknown subject).
 */
import type { RequestContext } from '../context.js';
import { RegistryError } from '../errors.js';
import { nextLink, paginate, sendJSON, type Headers } from '../http.js';
import { MEDIA_TYPES } from '../manifest.js';
import { parseDigest } from '../names.js';

export async function listTags(ctx: RequestContext): Promise<void> {
  const tags = await ctx.registry.repos.listTags(ctx.name);
  if (!tags) throw new RegistryError('name-unknown', 'repository name not known to registry', { name: ctx.name });
  const { page, next } = paginate(tags, ctx.url);
  const headers: Headers = next ? { Link: nextLink(`/v2/${ctx.name}/tags/list`, next) } : {};
  sendJSON(ctx.res, 200, { name: ctx.name, tags: page }, headers, ctx.req.method === 'HEAD');
}

export async function catalog(ctx: RequestContext): Promise<void> {
  const { page, next } = paginate(await ctx.registry.repos.listRepositories(), ctx.url);
  const headers: Headers = next ? { Link: nextLink('/v2/_catalog', next) } : {};
  sendJSON(ctx.res, 200, { repositories: page }, headers, ctx.req.method === 'HEAD');
}

export async function referrers(ctx: RequestContext, reference: string): Promise<void> {
  const subject = parseDigest(reference);
  const artifactType = ctx.url.searchParams.get('artifactType');
  let manifests = await ctx.registry.repos.listReferrers(ctx.name, subject);
  const headers: Headers = { 'Content-Type': MEDIA_TYPES.ociIndex };
  if (artifactType !== null) {
    manifests = manifests.filter((m) => m.artifactType === artifactType);
    headers['OCI-Filters-Applied'] = 'artifactType';
  }
  sendJSON(ctx.res, 200, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }, headers, ctx.req.method === 'HEAD');
}
