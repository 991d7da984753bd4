/** The bench launches Heimdall with the node flags of `npm start`, read from package.json. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { heimdallNodeFlags, nodeFlagsOfStartScript } from './launch.ts';

describe('bench launch command', () => {
  it('takes the flags between node and the tsx loader', () => {
    expect(nodeFlagsOfStartScript('node --max-semi-space-size=64 --import tsx api/main.ts')).toEqual([
      '--max-semi-space-size=64',
    ]);
    expect(nodeFlagsOfStartScript('node --import tsx api/main.ts')).toEqual([]);
  });

  it('refuses a start script it cannot mirror', () => {
    expect(() => nodeFlagsOfStartScript('tsx api/main.ts')).toThrow(/node \[flags\] --import tsx/);
  });

  it('reads the shipped start script: a 64 MB young generation', () => {
    const flags = heimdallNodeFlags(fileURLToPath(new URL('../../package.json', import.meta.url)));
    expect(flags).toContain('--max-semi-space-size=64');
  });
});
