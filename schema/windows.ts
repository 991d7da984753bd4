/**
 * When a budget or rate-limit window ends, for display (`windowEnd`, `resetsAt`). Months and
 * years follow the UTC calendar from the window start, so a window starting on Jan 31 with
 * `1M` ends on the last day of February rather than after a fixed 30 days.
 */
import { parseDuration } from '../db/config/duration.ts';

const FIXED_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function windowEnd(start: number, resetDuration: string | null | undefined): number | null {
  const duration = resetDuration ? parseDuration(resetDuration) : undefined;
  if (!duration) return null;
  const fixed = FIXED_MS[duration.unit];
  if (fixed !== undefined) return start + duration.count * fixed;
  const date = new Date(start);
  const months = duration.unit === 'M' ? duration.count : duration.count * 12;
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}
