import { auditRouter } from './routers/audit.js';
import { buildsRouter } from './routers/builds.js';
import { containersRouter } from './routers/containers.js';
import { hostAgentsRouter } from './routers/host-agents.js';
import { hostsRouter } from './routers/hosts.js';
import { imagesRouter } from './routers/images.js';
import { inventoryRouter } from './routers/inventory.js';
import { jobsRouter } from './routers/jobs.js';
import { registriesRouter } from './routers/registries.js';
import { usersRouter } from './routers/users.js';
import { router } from './trpc.js';

export const appRouter = router({
  hosts: hostsRouter,
  hostAgents: hostAgentsRouter,
  inventory: inventoryRouter,
  containers: containersRouter,
  images: imagesRouter,
  builds: buildsRouter,
  jobs: jobsRouter,
  registries: registriesRouter,
  audit: auditRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;
