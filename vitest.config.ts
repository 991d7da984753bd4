import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: suites that start servers and databases run in a couple of workers.
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
