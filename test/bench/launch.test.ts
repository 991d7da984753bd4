/** The bench launches Heimdall with the node flags of `npm start`, read from package.json. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { heimdallNodeFlags, launchArgs, nodeFlagsOfStartScript } from './launch.ts';

/** The node flags of this checkout's `npm start`. */
const shippedFlags = (): string[] =>
  heimdallNodeFlags(fileURLToPath(new URL('../../package.json', import.meta.url)));

describe('bench launch command', () => {
  it('takes the flags between node and the compiled entry of the serving command', () => {
    expect(
      nodeFlagsOfStartScript(
        'node scripts/build.mjs --if-stale && node --enable-source-maps --max-semi-space-size=64 dist/api/main.js',
      ),
    ).toEqual(['--enable-source-maps', '--max-semi-space-size=64']);
    expect(nodeFlagsOfStartScript('node dist/api/main.js')).toEqual([]);
  });

  it('refuses a start script it cannot mirror', () => {
    expect(() => nodeFlagsOfStartScript('tsx api/main.ts')).toThrow(/node \[flags\] <compiled entry>/);
    expect(() => nodeFlagsOfStartScript('node --import tsx api/main.ts')).toThrow(/compiled entry/);
  });

  it('runs TypeScript entries through tsx and compiled ones as they are, with the same flags', () => {
    expect(launchArgs(['--enable-source-maps'], 'api/main.ts')).toEqual([
      '--enable-source-maps',
      '--import',
      'tsx',
      'api/main.ts',
    ]);
    expect(launchArgs(['--enable-source-maps'], 'dist/api/main.js')).toEqual([
      '--enable-source-maps',
      'dist/api/main.js',
    ]);
  });

  it('reads the shipped start script: compiled output, source maps on, a 64 MB young generation, larger inlining budgets', () => {
    const flags = shippedFlags();
    expect(flags).toContain('--max-semi-space-size=64');
    expect(flags).toContain('--enable-source-maps');
    expect(flags).toEqual(
      expect.arrayContaining([
        '--max-inlined-bytecode-size=920',
        '--max-inlined-bytecode-size-cumulative=1840',
      ]),
    );
  });

  it('ships only flags this Node accepts (an unknown V8 flag stops node with "bad option")', () => {
    const flags = shippedFlags();
    const run = spawnSync(process.execPath, [...flags, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // The check itself can fail: a misspelt V8 flag is refused.
    expect(spawnSync(process.execPath, ['--max-inlined-bytecode-sizes=1', '-e', '0']).status).not.toBe(0);
  });
});
