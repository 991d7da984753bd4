/** The bench's printed output: machine facts and the result tables. */
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { PhaseResult } from './wrk.ts';

export interface Row {
  name: string;
  at64?: PhaseResult;
  at1?: PhaseResult;
  /** Busy % of the target core during the 64-connection phase. */
  cpuAt64?: number;
  /** Busy % of the load core (wrk + nginx) during the 64-connection phase. */
  loadCpuAt64?: number;
  /** The load core was above the harness-bound threshold: the row measured the harness. */
  harnessBound?: boolean;
  /** CPU the target process itself used at 64 connections, % of one core. */
  processCpuAt64?: number;
  /** The target process used less than most of a core in some round: it was not the bottleneck. */
  starved?: boolean;
  /** req/s @64 as % of the bare proxy's: the median of the per-round ratios. */
  ofProxy?: number;
  /** Those per-round ratios spread by more than `noisySpreadPoints`: the median is not evidence. */
  noisy?: boolean;
  /** Spawn to first `/health` 200 (Heimdall rows). */
  coldStartMs?: number;
  /** Resident set size after warm-up. */
  rssMiB?: number;
  /** Why the target could not be measured. */
  error?: string;
  /** A caveat printed under the table. */
  note?: string;
}

/**
 * Per-round ratios further apart than this (percentage points, highest minus lowest) mark the
 * share as noise: its median is then uncertain by about as much as the gaps to the targets
 * (0.02–0.20). In the runs docs/performance.md records, one target's rounds were 4–12 points apart
 * in the steadier runs and 15–56 in the noisiest, where one request path's medians differed by up
 * to 0.22 between runs.
 */
export const noisySpreadPoints = 15;

/** Failed responses (non-2xx or socket errors) above this share mark a target as broken. */
export const maxFailureRatio = 0.01;

export function failureRatio(row: Row): number {
  const phases = [row.at64, row.at1].filter((p): p is PhaseResult => p !== undefined);
  const total = phases.reduce((sum, p) => sum + p.total, 0);
  const failed = phases.reduce((sum, p) => sum + p.failed, 0);
  return total === 0 ? 1 : failed / total;
}

export function rowFailed(row: Row): boolean {
  return row.error !== undefined || failureRatio(row) > maxFailureRatio;
}

export function machineFacts(pinning: string, plan: string): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    `machine: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${process.platform}/${process.arch}, node ${process.version}`,
    `load: wrk (one thread, Lua script), mock upstream: nginx (one worker, fixed bodies); loopback only`,
    `pinning: ${pinning}`,
    `plan: ${plan}`,
  ].join('\n');
}

const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(3);
const pct = (value: number | undefined): string => (value === undefined ? '-' : `${value.toFixed(0)}%`);
const signed = (value: number | undefined): string =>
  value === undefined ? '-' : `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** `direct` and `proxy` name the reference rows for added latency and the share of the proxy. */
export function formatRows(rows: Row[], direct: string, proxy: string): string {
  const base = rows.find((r) => r.name === direct)?.at1;
  const cells = rows.map((row) => {
    if (row.error !== undefined) return [row.name, 'not measured', ...Array<string>(14).fill('')];
    const isBase = row.name === direct;
    return [
      row.name,
      row.at64 ? row.at64.requestsPerSecond.toFixed(0) : '-',
      ms(row.at64?.p50),
      ms(row.at64?.p99),
      ms(row.at1?.p50),
      ms(row.at1?.p99),
      signed(isBase || !base || !row.at1 ? undefined : row.at1.p50 - base.p50),
      signed(isBase || !base || !row.at1 ? undefined : row.at1.p99 - base.p99),
      row.name === proxy || row.ofProxy === undefined ? '-' : (row.ofProxy / 100).toFixed(3),
      pct(row.cpuAt64),
      pct(row.loadCpuAt64),
      pct(row.processCpuAt64),
      [row.harnessBound ? 'HARNESS' : '', row.starved ? 'STARVED' : '', row.noisy ? 'NOISY' : '']
        .filter(Boolean)
        .join('+'),
      `${(100 * failureRatio(row)).toFixed(2)}%`,
      row.coldStartMs === undefined ? '-' : (row.coldStartMs / 1000).toFixed(2),
      row.rssMiB === undefined ? '-' : row.rssMiB.toFixed(0),
    ];
  });
  const header = [
    'target',
    'req/s@64',
    'p50@64',
    'p99@64',
    'p50@1',
    'p99@1',
    '+p50@1',
    '+p99@1',
    '×bare',
    'cpuT',
    'cpuL',
    'cpuP',
    'bound',
    'failed',
    'start s',
    'rss MiB',
  ];
  const notes = rows.flatMap((r) => [r.error, r.note].filter(Boolean).map((text) => `\n${r.name}: ${text}`));
  return `${table(header, cells)}

latencies in ms (wrk); @64/@1 = 64 connections / 1 connection; +p50@1/+p99@1 = added latency at 1 connection vs direct;
×bare = req/s@64 / the bare proxy's, the median of the per-round ratios (the figure to quote on a noisy machine);
cpuT/cpuL = busy % of the target core / the load core (wrk + nginx) at 64 connections, cpuP = the target process's own
use of a core; bound = HARNESS when the load core was above the harness-bound threshold in some round (the harness, not
the target, was the limit), STARVED when the target process used under 80 % of a core (others took its core),
NOISY when its per-round ratios to the bare proxy spread by more than ${noisySpreadPoints} points (its ×bare is not evidence either way);
start s = spawn to first /health 200 (cold start); rss MiB = resident memory after warm-up${notes.join('')}`;
}
