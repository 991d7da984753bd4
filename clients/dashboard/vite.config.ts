/**
 * The operator dashboard's build (scripts/build.mjs runs it with `build()`; `npx vite
 * clients/dashboard` serves it for development against a running Heimdall via the proxy below).
 * Served by api/dashboard-files.ts under /ui/, so assets live at /ui/assets/ with content hashes.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/ui/',
  // Preact's automatic JSX runtime through the oxc transform vite ships: no plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/graphql': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
