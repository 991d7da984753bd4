/** Core busy shares from /proc/stat, and the harness-bound flag built on them. */
import { describe, expect, it } from 'vitest';
import { busyPercent, isHarnessBound, isStarved, parseProcStat } from './cpu.ts';

// user nice system idle iowait irq softirq steal guest guest_nice
const before = parseProcStat(
  [
    'cpu  300 0 100 900 0 0 0 0 0 0',
    'cpu0 200 0 50 300 0 0 0 0 0 0',
    'cpu1 100 0 50 600 0 0 0 0 0 0',
    'intr 12345',
  ].join('\n'),
);

describe('bench CPU shares', () => {
  it('reads each numbered CPU and skips the aggregate line', () => {
    expect([...before.keys()]).toEqual([0, 1]);
    expect(before.get(0)).toEqual({ busy: 250, total: 550 });
  });

  it('counts irq, softirq and steal as busy and iowait as idle', () => {
    const after = parseProcStat('cpu0 260 0 60 320 10 5 3 2 0 0\ncpu1 100 0 50 700 0 0 0 0 0 0');
    // busy +80 (60 user, 10 system, 5 irq, 3 softirq, 2 steal); idle +20, iowait +10 → 80 of 110
    expect(busyPercent(before, after, 0)).toBeCloseTo((100 * 80) / 110, 6);
    expect(busyPercent(before, after, 1)).toBe(0);
  });

  it('has no figure for an unknown CPU or when no time passed', () => {
    expect(busyPercent(before, before, 0)).toBeUndefined();
    expect(busyPercent(before, parseProcStat('cpu0 201 0 50 300 0 0 0 0 0 0'), 3)).toBeUndefined();
  });

  it('flags a phase as harness-bound only above 80 % on the load core', () => {
    expect(isHarnessBound(80)).toBe(false);
    expect(isHarnessBound(80.5)).toBe(true);
    expect(isHarnessBound(undefined)).toBe(false);
  });

  it('flags a target process under 80 % of a core as starved, and nothing without a figure', () => {
    expect(isStarved(79.9)).toBe(true);
    expect(isStarved(80)).toBe(false);
    expect(isStarved(undefined)).toBe(false);
  });
});
