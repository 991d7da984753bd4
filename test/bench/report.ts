/** The bench's printed output: machine facts and one table row per target. */
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { PhaseResult } from './load.ts';

export interface Row {
  name: string;
  at64?: PhaseResult;
  at1?: PhaseResult;
  /** CPU used by the target during the 64-connection phase, in % of one core. */
  cpuAt64?: number;
  /** req/s @64 as % of the thin proxy's, when paired per round (else computed from the medians). */
  ofProxy?: number;
  /** Spawn to first `/health` 200 (Heimdall rows). */
  coldStartMs?: number;
  /** Resident set size after warm-up (Heimdall and thin proxy rows). */
  rssMiB?: number;
  /** Why the target could not be measured. */
  error?: string;
  /** A caveat printed under the table. */
  note?: string;
}

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

export function machineFacts(pinning: string, phases: string): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    `machine: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${process.platform}/${process.arch}`,
    `node ${process.version}; autocannon, ${phases}, pipelining 1, loopback only`,
    `pinning: ${pinning}`,
  ].join('\n');
}

const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(3);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** `direct` and `proxy` name the reference rows for "added latency" and "% of proxy". */
export function formatRows(rows: Row[], direct: string, proxy: string): string {
  const base = rows.find((r) => r.name === direct)?.at1?.p50;
  const ceiling = rows.find((r) => r.name === proxy)?.at64?.requestsPerSecond;
  const cells = rows.map((row) => {
    if (row.error !== undefined) return [row.name, 'not measured', ...Array<string>(10).fill('')];
    const addedP50 = row.name === direct || base === undefined || !row.at1 ? undefined : row.at1.p50 - base;
    const share =
      row.name === direct || row.name === proxy || !row.at64
        ? undefined
        : (row.ofProxy ?? (ceiling ? (100 * row.at64.requestsPerSecond) / ceiling : undefined));
    const ofProxy = share === undefined ? '-' : `${share.toFixed(1)}%`;
    return [
      row.name,
      row.at64 ? row.at64.requestsPerSecond.toFixed(0) : '-',
      ms(row.at64?.p50),
      ms(row.at64?.p99),
      ms(row.at1?.p50),
      ms(row.at1?.p99),
      addedP50 === undefined ? '-' : `${addedP50 >= 0 ? '+' : ''}${addedP50.toFixed(3)}`,
      ofProxy,
      row.cpuAt64 === undefined ? '-' : `${row.cpuAt64.toFixed(0)}%`,
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
    '%proxy',
    'cpu@64',
    'failed',
    'start s',
    'rss MiB',
  ];
  const errors = rows.flatMap((r) => [r.error, r.note].filter(Boolean).map((text) => `\n${r.name}: ${text}`));
  return `${table(header, cells)}\n\nlatencies in ms; @64/@1 = 64 connections / 1 connection; +p50@1 = added p50 at 1 connection vs direct;
%proxy = req/s@64 as % of the thin proxy's (median of the per-round ratios); cpu@64 = CPU the target used at 64 connections, % of one core
(well under 100% means the target was starved by other processes or was not the bottleneck);
start s = spawn to first /health 200 (cold start); rss MiB = resident memory after the warm-up rounds;
[compiled] = dist/ (npm start), [tsx] = the TypeScript sources through tsx${errors.join('')}`;
}
