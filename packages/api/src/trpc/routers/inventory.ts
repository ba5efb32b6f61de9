import { z } from 'zod';
import { listImages } from '../../services/inventory.js';
import { authed, router } from '../trpc.js';

export const inventoryRouter = router({
  images: authed
    .input(z.object({ hostId: z.string().optional(), search: z.string().optional(), all: z.boolean().optional() }))
    .query(({ ctx, input }) => listImages(ctx.hub.prisma, input)),
});
