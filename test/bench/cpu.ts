/**
 * How busy each CPU was during a phase, from two reads of /proc/stat. The load side (wrk and the
 * nginx mock) shares one core; if that core is nearly saturated the phase measured the harness,
 * not the target, and is flagged as harness-bound.
 */
import { readFileSync } from 'node:fs';

export interface CpuTicks {
  busy: number;
  total: number;
}

/** Per-CPU tick counters from the text of /proc/stat (`cpuN user nice system idle iowait …`). */
export function parseProcStat(text: string): Map<number, CpuTicks> {
  const cpus = new Map<number, CpuTicks>();
  for (const line of text.split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const ticks = match[2]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user/nice).
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
    const busy = user + nice + system + irq + softirq + steal;
    cpus.set(Number(match[1]), { busy, total: busy + idle + iowait });
  }
  return cpus;
}

/** Busy share of one CPU between two snapshots, in % (undefined when the CPU is unknown or no time passed). */
export function busyPercent(
  before: Map<number, CpuTicks>,
  after: Map<number, CpuTicks>,
  cpu: number,
): number | undefined {
  const a = before.get(cpu);
  const b = after.get(cpu);
  if (!a || !b || b.total <= a.total) return undefined;
  return (100 * (b.busy - a.busy)) / (b.total - a.total);
}

/** Above this the load core (wrk + mock) may be what limited the phase. */
export const harnessBoundPercent = 80;

export function isHarnessBound(loadCorePercent: number | undefined): boolean {
  return loadCorePercent !== undefined && loadCorePercent > harnessBoundPercent;
}

export function readProcStat(): Map<number, CpuTicks> {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return new Map(); // not Linux: busy shares are reported as unknown
  }
}

/**
 * Below this share of one core, the target process was not what limited a 64-connection phase:
 * something else took its core (a shared machine) or it waited on the harness.
 */
export const starvedPercent = 80;

export function isStarved(targetProcessPercent: number | undefined): boolean {
  return targetProcessPercent !== undefined && targetProcessPercent < starvedPercent;
}
