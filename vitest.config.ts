import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Integration suites share dockerd and the state root: run files one at a time.
    fileParallelism: false,
    // Restarts (and records) a dockerd that died since the last file.
    setupFiles: ['tooling/test/peers-alive.ts'],
  },
});
