/**
 * How Heimdall is launched, read from package.json's `start` script (`node scripts/build.mjs
 * --if-stale && node <flags> dist/api/main.js`), so the bench measures it exactly as `npm start`
 * runs it — V8 flags included — without a second copy of them that could drift. The same flags
 * run the sources through tsx, for the compiled-vs-tsx comparison.
 */
import { readFileSync } from 'node:fs';

export function nodeFlagsOfStartScript(script: string): string[] {
  // The last command of the script is the one that serves; earlier ones (the build) exit first.
  const words = (script.split('&&').at(-1) ?? '').trim().split(/\s+/);
  const entry = words.at(-1) ?? '';
  if (words[0] !== 'node' || words.length < 2 || !/\.[cm]?js$/.test(entry) || words.includes('--import'))
    throw new Error(
      `package.json "start" must end in "node [flags] <compiled entry>.js" for the bench to launch Heimdall the same way; got "${script}"`,
    );
  return words.slice(1, -1);
}

export function heimdallNodeFlags(packageJsonPath: string): string[] {
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { scripts?: { start?: string } };
  return nodeFlagsOfStartScript(manifest.scripts?.start ?? '');
}

/** `node` arguments for an entry: compiled JavaScript as is, TypeScript through the tsx loader. */
export function launchArgs(flags: readonly string[], entry: string): string[] {
  return entry.endsWith('.ts') ? [...flags, '--import', 'tsx', entry] : [...flags, entry];
}
