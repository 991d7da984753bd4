/** One load phase with wrk (pinned to the load core), and the parsing of its RESULT line. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface PhaseResult {
  requestsPerSecond: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  /** Responses received, and of those the failed ones (non-2xx or socket errors). */
  total: number;
  failed: number;
  /** Response bytes per request (headers included): a truncated or error body stands out. */
  bytesPerRequest?: number;
}

/** Reads `RESULT requests= micros= failed= bytes= p50= p99=` (latencies in µs) from wrk's output. */
export function parseWrkResult(output: string): PhaseResult {
  const line = output.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`wrk printed no RESULT line:\n${output.slice(0, 500)}`);
  const fields = new Map(
    line
      .slice('RESULT '.length)
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split('=') as [string, string]),
  );
  const number = (key: string): number => {
    const value = Number(fields.get(key));
    if (!Number.isFinite(value)) throw new Error(`wrk RESULT line lacks ${key}: ${line}`);
    return value;
  };
  const requests = number('requests');
  const seconds = number('micros') / 1e6;
  return {
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    p50: number('p50') / 1000,
    p99: number('p99') / 1000,
    total: requests,
    failed: number('failed'),
    bytesPerRequest: requests > 0 ? number('bytes') / requests : 0,
  };
}

const script = fileURLToPath(new URL('chat.lua', import.meta.url));

export interface WrkRun {
  url: string;
  headers: Record<string, string>;
  /** File holding the request body. */
  bodyFile: string;
  connections: number;
  seconds: number;
  /** CPU wrk runs on; undefined: not pinned. */
  cpu: number | undefined;
}

export function runWrk(run: WrkRun): Promise<PhaseResult> {
  const headerArgs = Object.entries(run.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const wrkArgs = [
    '-t1',
    `-c${run.connections}`,
    `-d${run.seconds}s`,
    '--timeout',
    '5s',
    '--latency',
    '-s',
    script,
    ...headerArgs,
    run.url,
  ];
  const [command, args] =
    run.cpu === undefined ? ['wrk', wrkArgs] : ['taskset', ['-c', String(run.cpu), 'wrk', ...wrkArgs]];
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, BENCH_BODY: run.bodyFile }, timeout: (run.seconds + 30) * 1000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
        try {
          resolve(parseWrkResult(stdout));
        } catch (parseError) {
          reject(parseError as Error);
        }
      },
    );
  });
}
