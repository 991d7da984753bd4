/**
 * What the bench needs outside node_modules: wrk and nginx (Debian packages) and taskset, and per
 * script valgrind (instructions.ts) or chromium (run.ts, the dashboard's first load). The bench is
 * a measurement, not a test, so it installs what is missing with apt-get when it may (root on
 * Debian/Ubuntu) and says so; otherwise it stops with the command to run.
 */
import { execFileSync, spawnSync } from 'node:child_process';

const packages: Record<string, string> = { wrk: 'wrk', nginx: 'nginx', taskset: 'util-linux' };

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** `extra`: more commands and their Debian packages (valgrind for instructions.ts, chromium for run.ts). */
export function ensureTools(extra: Record<string, string> = {}): void {
  const wanted = { ...packages, ...extra };
  const missing = Object.keys(wanted).filter((command) => !has(command));
  if (missing.length === 0) return;
  const names = [...new Set(missing.map((command) => wanted[command]!))];
  const install = `apt-get install -y ${names.join(' ')}`;
  if (process.getuid?.() !== 0 || !has('apt-get'))
    throw new Error(`the bench needs ${missing.join(', ')}: install them (e.g. \`sudo ${install}\`)`);
  console.log(
    `installing ${names.join(', ')} with apt-get (npm run bench is a measurement, not a test: it installs its load generator and mock)`,
  );
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...names], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
