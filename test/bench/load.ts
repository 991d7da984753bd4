/**
 * Drives one load phase with autocannon. Autocannon's own latency histogram has 1 ms resolution,
 * too coarse for sub-millisecond overheads, so percentiles come from the exact per-response times
 * it emits (2xx only, as autocannon does).
 */
import autocannon from 'autocannon';

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

export interface PhaseResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  failed: number;
}

export const requestBody = JSON.stringify({
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
});

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function runPhase(target: Target, connections: number, seconds: number): Promise<PhaseResult> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: requestBody,
        connections,
        pipelining: 1,
        duration: seconds,
        timeout: 5,
      },
      (error: unknown, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const sorted = Float64Array.from(times).sort();
        const failed = result.non2xx + result.errors;
        resolve({
          requestsPerSecond: result['2xx'] / result.duration,
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          total: result['2xx'] + failed,
          failed,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
  });
}
