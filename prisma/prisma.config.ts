import { defineConfig } from 'prisma/config';

// Used only by the Prisma CLI (generate, migrate diff); the hub connects through
// packages/db, which applies prisma/migrations itself.
export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/drydock' },
});
