/**
 * When a budget or rate-limit window ends, for display (`windowEnd`, `resetsAt`). The window math
 * is the one enforcement uses (clients/contract/windows.ts), so what the API reports is when the
 * counters really reset: calendar-aligned windows end on UTC boundaries (midnight, Monday, the
 * 1st), rolling ones a whole number of periods after their start.
 */
import { currentWindow, parseWindow } from '../clients/contract/windows.ts';

/** End of the first window that begins at `start` (rolling). */
export function windowEnd(start: number, resetDuration: string | null | undefined): number | null {
  const spec = parseWindow(resetDuration ?? undefined);
  return spec ? currentWindow(spec, start, start).end : null;
}

/**
 * End of the window in force at `now` for a meter whose stored window began at `start`: what the
 * control plane's counter stores compute before granting or rolling.
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
