/** The bench's round aggregation: medians per figure, failures summed, broken rounds kept. */
import { describe, expect, it } from 'vitest';
import { medianRow, roundRatios } from './rounds.ts';

const phase = (requestsPerSecond: number, p50: number, failed = 0) => ({
  requestsPerSecond,
  p50,
  p99: p50 * 10,
  total: 1_000,
  failed,
});

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

  it('prints each round paired with its own thin-proxy figure', () => {
    const lines = roundRatios(
      [
        [
          { name: 'thin', at64: phase(10_000, 0.2) },
          { name: 'gov', at64: phase(7_000, 0.3) },
        ],
        [
          { name: 'thin', at64: phase(12_000, 0.2) },
          { name: 'gov', error: 'x' },
        ],
      ],
      'thin',
    );
    expect(lines).toEqual([
      'round 1: thin proxy 10000 req/s; gov 70.0 %',
      'round 2: thin proxy 12000 req/s; gov not measured',
    ]);
  });
});
