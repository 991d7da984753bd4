/**
 * How Heimdall is launched, read from package.json's `start` script (`node <flags> --import tsx
 * <entry>`), so the bench measures it exactly as `npm start` runs it — V8 flags included —
 * without a second copy of them that could drift.
 */
import { readFileSync } from 'node:fs';

export function nodeFlagsOfStartScript(script: string): string[] {
  const words = script.trim().split(/\s+/);
  const loader = words.indexOf('--import');
  if (words[0] !== 'node' || loader < 1 || words[loader + 1] !== 'tsx')
    throw new Error(
      `package.json "start" must read "node [flags] --import tsx <entry>" for the bench to launch Heimdall the same way; got "${script}"`,
    );
  return words.slice(1, loader);
}

export function heimdallNodeFlags(packageJsonPath: string): string[] {
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { scripts?: { start?: string } };
  return nodeFlagsOfStartScript(manifest.scripts?.start ?? '');
}
