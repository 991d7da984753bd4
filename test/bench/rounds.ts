/**
 * Repeated rounds: on a shared or virtualised machine one phase can be tens of percent off the
 * next, so the bench measures every target in short slices, interleaved (bare proxy, then each
 * Heimdall scenario, round after round), and reports the median of each figure. Pairing per
 * round also gives each round's own "share of the bare proxy"; their median is the reported share,
 * and each is printed so the spread is visible.
 */
import type { PhaseResult } from './wrk.ts';
import { noisySpreadPoints, type Row } from './report.ts';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianPhase(phases: readonly PhaseResult[]): PhaseResult | undefined {
  if (phases.length === 0) return undefined;
  return {
    requestsPerSecond: median(phases.map((p) => p.requestsPerSecond)),
    p50: median(phases.map((p) => p.p50)),
    p99: median(phases.map((p) => p.p99)),
    // Failures are never averaged away: every response of every round counts.
    total: phases.reduce((sum, p) => sum + p.total, 0),
    failed: phases.reduce((sum, p) => sum + p.failed, 0),
  };
}

/** One row from a target's rounds; a round that could not be measured makes the row an error. */
export function medianRow(rounds: readonly Row[]): Row {
  const first = rounds[0];
  if (!first) throw new Error('medianRow needs at least one round');
  const broken = rounds.find((r) => r.error !== undefined);
  if (broken) return broken;
  const present = <T>(values: ReadonlyArray<T | undefined>): T[] =>
    values.filter((v): v is T => v !== undefined);
  const cpu = present(rounds.map((r) => r.cpuAt64));
  const loadCpu = present(rounds.map((r) => r.loadCpuAt64));
  const processCpu = present(rounds.map((r) => r.processCpuAt64));
  const notes = [...new Set(present(rounds.map((r) => r.note)))];
  return {
    name: first.name,
    at64: medianPhase(present(rounds.map((r) => r.at64))),
    at1: medianPhase(present(rounds.map((r) => r.at1))),
    ...(cpu.length > 0 ? { cpuAt64: median(cpu) } : {}),
    ...(loadCpu.length > 0 ? { loadCpuAt64: median(loadCpu) } : {}),
    // One harness-bound round is enough to distrust the row's throughput.
    ...(rounds.some((r) => r.harnessBound) ? { harnessBound: true } : {}),
    ...(processCpu.length > 0 ? { processCpuAt64: median(processCpu) } : {}),
    ...(rounds.some((r) => r.starved) ? { starved: true } : {}),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

/** `name`'s req/s @64 as % of the proxy's in one round's rows; undefined when either was not measured. */
function shareInRound(rows: readonly Row[], proxy: string, name: string): number | undefined {
  const ceiling = rows.find((r) => r.name === proxy)?.at64?.requestsPerSecond;
  const rps = rows.find((r) => r.name === name)?.at64?.requestsPerSecond;
  return ceiling && rps !== undefined ? (100 * rps) / ceiling : undefined;
}

/** "round 2: heimdall 91.0 %, heimdall+governance 66.2 %" for each round, from paired rows. */
export function roundRatios(rounds: ReadonlyArray<readonly Row[]>, proxy: string): string[] {
  return rounds.map((rows, index) => {
    const ceiling = rows.find((r) => r.name === proxy)?.at64?.requestsPerSecond;
    const parts = rows
      .filter((r) => r.name !== proxy)
      .map((r) => {
        const share = shareInRound(rows, proxy, r.name);
        return `${r.name} ${share !== undefined ? `${share.toFixed(1)} %` : 'not measured'}`;
      });
    return `round ${index + 1}: ${proxy} ${ceiling?.toFixed(0) ?? '-'} req/s; ${parts.join(', ')}`;
  });
}

/**
 * `name`'s req/s @64 as % of the proxy's in the same round, for each round that measured both
 * (none for the proxy itself). The bench computes them once per target, for its share and its
 * NOISY flag.
 */
export function proxyRatios(rounds: ReadonlyArray<readonly Row[]>, proxy: string, name: string): number[] {
  if (name === proxy) return [];
  return rounds.flatMap((rows) => {
    const share = shareInRound(rows, proxy, name);
    return share === undefined ? [] : [share];
  });
}

/** The median of per-round ratios (proxyRatios); undefined when no round measured both. */
export function proxyShare(ratios: readonly number[]): number | undefined {
  return ratios.length === 0 ? undefined : median(ratios);
}

/** Highest minus lowest of per-round ratios (points); undefined with fewer than two. */
export function ratioSpread(ratios: readonly number[]): number | undefined {
  return ratios.length < 2 ? undefined : Math.max(...ratios) - Math.min(...ratios);
}

/** Whether per-round ratios (proxyRatios) are too far apart for their median to be evidence. */
export function noisyShare(ratios: readonly number[]): boolean {
  const spread = ratioSpread(ratios);
  return spread !== undefined && spread > noisySpreadPoints;
}
