import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { getBuild, listBuilds, parseGitContext, startBuild } from '../../services/builds.js';
import { dockerfileTar, withDockerfile } from '../../services/context-tar.js';
import { authed, router } from '../trpc.js';

export const buildsRouter = router({
  list: authed.input(z.object({ take: z.number().int().positive().max(500).optional() })).query(({ ctx, input }) => listBuilds(ctx.hub.prisma, input)),
  get: authed.input(z.object({ id: z.string(), logs: z.boolean().default(true) })).query(({ ctx, input }) => getBuild(ctx.hub.prisma, input.id, { logs: input.logs })),
  /**
   * A build from the editor: the Dockerfile text, and optionally a context
   * uploaded first (PUT /api/uploads → id) into which the text is written.
   */
  start: authed
    .input(
      z.object({
        hostId: z.string(),
        /** The editor's Dockerfile; ignored for a git context (the repository has its own). */
        dockerfile: z.string(),
        /** A git repository as `URL#REF:DIR`, fetched by the agent. */
        git: z.string().min(1).optional(),
        tags: z.array(z.string().min(1)).default([]),
        buildArgs: z.record(z.string(), z.string()).default({}),
        noCache: z.boolean().default(false),
        uploadId: z.string().regex(/^up_[0-9a-f]{24}$/).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.git) {
        return startBuild(ctx.hub, ctx.principal, { hostId: input.hostId, context: { git: parseGitContext(input.git) }, tags: input.tags, buildArgs: input.buildArgs, noCache: input.noCache });
      }
      if (!input.dockerfile.trim()) throw new ApiError('bad-request', 'the Dockerfile is empty');
      let context: Buffer;
      if (input.uploadId) {
        const path = join(ctx.hub.uploadsDir, `${input.uploadId}.tar`);
        let uploaded: Buffer;
        try {
          uploaded = readFileSync(path);
        } catch {
          throw new ApiError('not-found', 'the uploaded context is gone; upload it again');
        }
        context = await withDockerfile(uploaded, 'Dockerfile', input.dockerfile).catch((err: Error) => {
          throw new ApiError('bad-request', `the context is not a tar: ${err.message}`);
        });
        rmSync(path, { force: true });
      } else {
        context = await dockerfileTar('Dockerfile', input.dockerfile);
      }
      return startBuild(ctx.hub, ctx.principal, {
        hostId: input.hostId,
        context,
        dockerfileText: input.dockerfile,
        tags: input.tags,
        buildArgs: input.buildArgs,
        noCache: input.noCache,
      });
    }),
});
