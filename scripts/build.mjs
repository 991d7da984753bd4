#!/usr/bin/env node
/* global process, console, URL */
/**
 * `npm run build`: compiles the runtime rooms to plain JavaScript under dist/ with tsc
 * (tsconfig.build.json: `.ts` imports rewritten to `.js`, source maps as separate .map files, no
 * esbuild keepNames) and copies the non-TypeScript files the runtime reads (SQL migrations).
 *
 * `--if-stale` builds only when dist/ is missing or older than a source. `prepare` runs it at
 * `npm install`/`npm ci` (skipped when TypeScript is not installed) and `prestart` before
 * `npm start`, so a fresh clone starts with `npm install && npm start`, and `start` itself is one
 * plain `node <flags> dist/api/main.js` that anything can exec (process managers, the reference
 * bench) without a shell in between.
 *
 * The operator dashboard (clients/dashboard) is built with Vite into dist/dashboard in the same
 * step; without Vite (a production install) it is skipped and the server says so at `/`.
 *
 * Type errors do not stop the build (`--noCheck`): `npm run typecheck` is the check, and a
 * half-finished edit elsewhere must not keep `npm start` from running. The output is written to a
 * temporary directory and renamed into place, so a concurrent start never runs a partial dist/.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dist = join(root, 'dist');
/** Written last: its mtime is when dist/ was complete. */
const stamp = join(dist, '.build-stamp');
const sourceDirs = ['api', 'gateway', 'schema', 'db', 'clients'];
const sourceFiles = ['tsconfig.json', 'tsconfig.build.json', 'tsconfig.sdk.json', 'scripts/build.mjs'];
/** Runtime files that are not TypeScript, copied next to the compiled code that reads them. */
const assets = ['db/migrations'];

function newestSourceMtime() {
  let newest = 0;
  const visit = (path) => {
    const info = statSync(path);
    if (info.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else newest = Math.max(newest, info.mtimeMs);
  };
  for (const dir of sourceDirs) visit(join(root, dir));
  for (const file of sourceFiles) visit(join(root, file));
  return newest;
}

function isStale() {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSourceMtime();
}

function tscPath() {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/**
 * The operator dashboard (clients/dashboard, Vite + Preact) into `outDir`, each text file with a
 * gzip twin for api/dashboard-files.ts. Skipped with a message when Vite is not installed: the
 * server then answers the dashboard's paths with a page saying it was not built.
 */
async function buildDashboard(outDir) {
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.error(
      'heimdall: Vite is not installed (production install): the dashboard is not built, / answers 404',
    );
    return;
  }
  const started = Date.now();
  await vite.build({
    configFile: join(root, 'clients/dashboard/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  const compress = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const file = join(path, entry.name);
      if (entry.isDirectory()) compress(file);
      else if (/\.(html|js|css|svg|json)$/.test(entry.name))
        writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
    }
  };
  compress(outDir);
  console.error(`heimdall: built the dashboard in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function build() {
  const tsc = tscPath();
  if (!tsc) {
    console.error(
      'heimdall: dist/ is missing or older than the sources and TypeScript is not installed to build it.\n' +
        'Run `npm install` (with dev dependencies) and then `npm run build`, or use an image built from the Dockerfile.',
    );
    process.exit(1);
  }
  const staging = join(root, `.dist-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const started = Date.now();
  let result = spawnSync(
    process.execPath,
    [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', staging],
    { stdio: 'inherit' },
  );
  // Type declarations for the SDK only (package.json exports "./client"); ~1 s, where declarations
  // for every room would double the build.
  if (result.status === 0)
    result = spawnSync(
      process.execPath,
      [tsc, '-p', join(root, 'tsconfig.sdk.json'), '--noCheck', '--outDir', staging],
      { stdio: 'inherit' },
    );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    console.error('heimdall: the build failed (tsc output above)');
    process.exit(result.status ?? 1);
  }
  for (const asset of assets) cpSync(join(root, asset), join(staging, asset), { recursive: true });
  try {
    await buildDashboard(join(staging, 'dashboard'));
  } catch (error) {
    // The API serves without it (a clear 404 page); a broken dashboard must not stop `npm start`.
    console.error(`heimdall: the dashboard build failed: ${error?.message ?? error}`);
  }
  writeFileSync(join(staging, '.build-stamp'), `${new Date().toISOString()}\n`);
  try {
    // Several `npm start`s in one checkout (replicas, a benchmark's targets) may build at once:
    // the first complete output wins and the others keep it rather than removing it under it.
    if (!isStale()) throw new Error('another build finished first');
    rmSync(dist, { recursive: true, force: true });
    renameSync(staging, dist);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(stamp)) throw error;
  }
  console.error(`heimdall: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// `prepare` (npm install / npm ci) builds when it can: a production install without dev
// dependencies (the image's deps stage, which has no sources either) has nothing to build with and
// needs nothing built.
if (process.argv.includes('--unless-no-typescript') && !tscPath()) process.exit(0);
if (!process.argv.includes('--if-stale') || isStale()) await build();
