import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Vite would resolve our own `import 'graphql'` to its ESM build while graphql-yoga and
    // Pothos (loaded natively) get the CommonJS one: two realms, and "Cannot use
    // GraphQLObjectType from another module". One copy for everyone, as under plain Node.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
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
