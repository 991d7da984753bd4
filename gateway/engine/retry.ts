/**
 * When to try the same provider again and how long to wait: exponential backoff with jitter
 * between `retry_backoff_initial` and `retry_backoff_max`, or the provider's `Retry-After`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RetryPolicy } from '../core/retry-policy.ts';
import type { AbortWatch } from '../util/client-abort.ts';

/** Upstream statuses worth retrying on the same provider. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Delay before retry number `retry + 1`, or undefined when the provider asks for too long. */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  retryAfterSeconds: number | undefined,
): number | undefined {
  if (retryAfterSeconds !== undefined) {
    const ms = Math.max(0, Math.ceil(retryAfterSeconds * 1000));
    return ms > policy.maxRetryAfterMs ? undefined : ms;
  }
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffInitialMs * 2 ** retry);
  const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
  return Math.max(Math.min(policy.backoffInitialMs, ceiling), Math.round(jittered));
}

/** Seconds from `retry-after-ms` (OpenAI) or `retry-after` (seconds or HTTP date). */
export function parseRetryAfter(headers: IncomingHttpHeaders): number | undefined {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value / 1000;
  }
  const raw = headers['retry-after'];
  if (typeof raw !== 'string' || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds : undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** Waits `ms`, or rejects when `signal` aborts (the client left). */
export function sleep(ms: number, signal: AbortWatch): Promise<void> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
