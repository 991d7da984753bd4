/**
 * Reset windows of budgets and rate limits, shared by the control plane (which rolls counters and
 * reports when they reset), the gateway and the in-memory meter table. Grammar `<n><unit>` with
 * s m h d w M Y.
 *
 * Rolling (default): consecutive periods of the duration anchored at the meter's current window
 * start, so `1d` created at 15:00 resets at 15:00 each day and rolling `1M` created on the 10th
 * resets on the 10th of each month (clamped to the month's last day, e.g. Jan 31 → Feb 28 → Mar
 * 28: the anchor moves with each clamp). Calendar-aligned: UTC boundaries — midnight, Monday of
 * the ISO week, the 1st of the month (a real month, not 30 days), January 1st; multiples count
 * from the Unix epoch (1970-01-05 for weeks, a Monday).
 */

export type WindowUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'M' | 'Y';

export interface WindowSpec {
  count: number;
  unit: WindowUnit;
  calendar: boolean;
}

/** The `reset_duration` grammar shared with Bifrost: a positive integer and one unit letter. */
export const DURATION_PATTERN = /^([1-9][0-9]*)(s|m|h|d|w|M|Y)$/;
const FIXED_MS: Partial<Record<WindowUnit, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DAY = 86_400_000;
/** 1970-01-05T00:00Z, the first Monday after the epoch: ISO weeks count from here. */
const FIRST_MONDAY = 4 * DAY;

export function parseWindow(text: string | undefined, calendar = false): WindowSpec | undefined {
  const match = text === undefined ? null : DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  return { count: Number(match[1]), unit: match[2] as WindowUnit, calendar };
}

function addMonths(anchor: number, months: number): number {
  const d = new Date(anchor);
  const targetMonth = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  return Date.UTC(
    d.getUTCFullYear(),
    targetMonth,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

function monthsOf(spec: WindowSpec): number {
  return spec.unit === 'Y' ? spec.count * 12 : spec.count;
}

/** The calendar-aligned window containing `now`. */
function calendarWindow(spec: WindowSpec, now: number): { start: number; end: number } {
  const fixed = FIXED_MS[spec.unit];
  if (fixed !== undefined) {
    const size = fixed * spec.count;
    const origin = spec.unit === 'w' ? FIRST_MONDAY : 0;
    const start = origin + Math.floor((now - origin) / size) * size;
    return { start, end: start + size };
  }
  const d = new Date(now);
  const months = monthsOf(spec);
  const index = d.getUTCFullYear() * 12 + d.getUTCMonth();
  const first = Math.floor(index / months) * months;
  const start = Date.UTC(Math.floor(first / 12), first % 12, 1);
  const next = first + months;
  return { start, end: Date.UTC(Math.floor(next / 12), next % 12, 1) };
}

/** The rolling window containing `now`, counting periods from `anchor` (the stored window start). */
function rollingWindow(spec: WindowSpec, anchor: number, now: number): { start: number; end: number } {
  const fixed = FIXED_MS[spec.unit];
  if (fixed !== undefined) {
    const size = fixed * spec.count;
    const periods = now >= anchor ? Math.floor((now - anchor) / size) : 0;
    const start = anchor + periods * size;
    return { start, end: start + size };
  }
  const months = monthsOf(spec);
  let start = anchor;
  let end = addMonths(start, months);
  // Bounded: one step per elapsed period; a meter idle for years costs a few hundred steps once.
  while (end <= now) {
    start = end;
    end = addMonths(start, months);
  }
  return { start, end };
}

/**
 * The window in force at `now` for a meter whose stored window began at `anchor`. A result whose
 * start is later than `anchor` means the counters must be reset to it.
 */
export function currentWindow(spec: WindowSpec, anchor: number, now: number): { start: number; end: number } {
  if (spec.calendar) return calendarWindow(spec, now);
  return rollingWindow(spec, anchor, now);
}

/**
 * End of the first window that begins at `start` (rolling), for display (`windowEnd`): the same
 * math enforcement uses, so what the API reports is when the counters really reset.
 */
export function windowEnd(start: number, resetDuration: string | null | undefined): number | null {
  const spec = parseWindow(resetDuration ?? undefined);
  return spec ? currentWindow(spec, start, start).end : null;
}

/**
 * End of the window in force at `now` for a meter whose stored window began at `start`
 * (`resetsAt`): what the control plane's counter stores compute before granting or rolling.
 */
export function resetsAt(
  start: number,
  resetDuration: string | null | undefined,
  calendarAligned: boolean,
  now: number,
): number | null {
  const spec = parseWindow(resetDuration ?? undefined, calendarAligned);
  return spec ? currentWindow(spec, start, now).end : null;
}
