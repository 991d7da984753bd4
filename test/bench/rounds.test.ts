/** The bench's round aggregation: medians per figure, failures summed, broken rounds kept. */
import { describe, expect, it } from 'vitest';
import { formatRows, noisySpreadPoints, type Row } from './report.ts';
import { medianRow, noisyShare, proxyRatios, proxyShare, ratioSpread, roundRatios } from './rounds.ts';

const phase = (requestsPerSecond: number, p50: number, failed = 0) => ({
  requestsPerSecond,
  p50,
  p99: p50 * 10,
  total: 1_000,
  failed,
});

/** One round's rows: each target's req/s @64, or undefined for a target whose phase failed. */
const round = (rps: Record<string, number | undefined>): Row[] =>
  Object.entries(rps).map(([name, value]) =>
    value === undefined ? { name, error: 'x' } : { name, at64: phase(value, 0.3) },
  );

describe('bench rounds', () => {
  it('takes the median of each figure and sums responses and failures', () => {
    const row = medianRow([
      { name: 'h', at64: phase(9_000, 0.3, 1), at1: phase(3_000, 0.2), cpuAt64: 99 },
      { name: 'h', at64: phase(6_000, 0.5), at1: phase(2_000, 0.4), cpuAt64: 97 },
      { name: 'h', at64: phase(8_000, 0.4, 2), at1: phase(4_000, 0.3), cpuAt64: 100 },
    ]);
    expect(row.at64).toEqual({ requestsPerSecond: 8_000, p50: 0.4, p99: 4, total: 3_000, failed: 3 });
    expect(row.at1?.p50).toBe(0.3);
    expect(row.cpuAt64).toBe(99);
  });

  it('keeps a harness-bound or starved round visible in the row', () => {
    const row = medianRow([
      { name: 'h', at64: phase(100, 1), processCpuAt64: 99, loadCpuAt64: 40 },
      {
        name: 'h',
        at64: phase(100, 1),
        processCpuAt64: 35,
        loadCpuAt64: 95,
        harnessBound: true,
        starved: true,
      },
      { name: 'h', at64: phase(100, 1), processCpuAt64: 98, loadCpuAt64: 50 },
    ]);
    expect(row).toMatchObject({ processCpuAt64: 98, loadCpuAt64: 50, harnessBound: true, starved: true });
    expect(medianRow([{ name: 'h', at64: phase(100, 1), processCpuAt64: 99 }])).not.toHaveProperty('starved');
  });

  it('averages the middle two of an even count', () => {
    const row = medianRow([
      { name: 'h', at64: phase(100, 1) },
      { name: 'h', at64: phase(300, 3) },
    ]);
    expect(row.at64?.requestsPerSecond).toBe(200);
  });

  it('reports a round that could not be measured rather than hiding it', () => {
    const row = medianRow([
      { name: 'h', at64: phase(100, 1) },
      { name: 'h', error: 'exited' },
    ]);
    expect(row.error).toBe('exited');
  });

  it('prints each round paired with its own ceiling figure, named as the bench names it', () => {
    const lines = roundRatios(
      [round({ thin: 10_000, gov: 7_000 }), round({ thin: 12_000, gov: undefined })],
      'thin',
    );
    expect(lines).toEqual([
      'round 1: thin 10000 req/s; gov 70.0 %',
      'round 2: thin 12000 req/s; gov not measured',
    ]);
  });

  it('reports the share of the proxy as the median of per-round ratios, not a ratio of medians', () => {
    // Round by round the target is 90 %, 50 %, 80 % of the proxy measured next to it; the
    // medians (8,000 of 12,000 req/s) would say 66.7 % — drift between rounds, not the target.
    const rounds = [
      round({ thin: 10_000, gov: 9_000 }),
      round({ thin: 16_000, gov: 8_000 }),
      round({ thin: 12_000, gov: undefined }),
      round({ thin: 5_000, gov: 4_000 }),
    ];
    expect(proxyShare(proxyRatios(rounds, 'thin', 'gov'))).toBeCloseTo(80, 5);
    expect(proxyShare(proxyRatios(rounds, 'thin', 'thin'))).toBeUndefined();
    expect(proxyShare(proxyRatios(rounds, 'thin', 'absent'))).toBeUndefined();
  });

  it('measures how far apart the per-round ratios are, and flags a target whose rounds are too far apart', () => {
    // gov: 90 %, 50 %, 80 % of the proxy round by round (40 points apart); plain: 80 %, 75 %, 78 %.
    const rounds = [
      round({ thin: 10_000, gov: 9_000, plain: 8_000 }),
      round({ thin: 16_000, gov: 8_000, plain: 12_000 }),
      round({ thin: 5_000, gov: 4_000, plain: 3_900 }),
    ];
    expect(ratioSpread(proxyRatios(rounds, 'thin', 'gov'))).toBeCloseTo(40, 5);
    expect(ratioSpread(proxyRatios(rounds, 'thin', 'plain'))).toBeCloseTo(5, 5);
    expect(proxyRatios(rounds, 'thin', 'thin')).toEqual([]);
    expect(ratioSpread(proxyRatios(rounds.slice(0, 1), 'thin', 'gov'))).toBeUndefined();
    expect(noisyShare(proxyRatios(rounds, 'thin', 'gov'))).toBe(true);
    expect(noisyShare(proxyRatios(rounds, 'thin', 'plain'))).toBe(false);
    expect(noisyShare(proxyRatios(rounds.slice(0, 1), 'thin', 'gov'))).toBe(false);

    const bound = (text: string, name: string): string => {
      const line = text.split('\n').find((l) => l.trimStart().startsWith(`${name} `));
      if (line === undefined) throw new Error(`no row for ${name}`);
      return line;
    };
    const printed = formatRows(
      [
        { name: 'thin', at64: phase(10_000, 0.2) },
        { name: 'gov', at64: phase(8_000, 0.3), ofProxy: 80, noisy: true },
        { name: 'plain', at64: phase(7_800, 0.3), ofProxy: 78 },
      ],
      'direct',
      'thin',
    );
    expect(bound(printed, 'gov')).toMatch(/ 0\.800 .* NOISY /);
    expect(bound(printed, 'plain')).not.toContain('NOISY');
    expect(printed).toContain(
      `NOISY when its per-round ratios to the bare proxy spread by more than ${noisySpreadPoints} points`,
    );
  });
});
