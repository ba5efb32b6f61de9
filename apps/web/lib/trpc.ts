import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@drydock/api';

/** The dashboard's tRPC client (the session cookie rides along). */
export const trpc = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc' })] });
