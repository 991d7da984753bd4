/**
 * SIGTERM drain of a real process (`npm start`'s entry point), as Kubernetes delivers it while
 * the pod may still receive traffic (issue 12, item 6): readiness turns 503 at once, new requests
 * on new connections are served normally for HEIMDALL_SHUTDOWN_DELAY_SECONDS (0 refusals), then
 * the listener closes; streams in flight end with [DONE], usage and request logs are flushed, and
 * the process exits 0. Timings are printed as figures; only hang guards are time-based.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';
import { startUsageMock, type UsageMock } from '../governance/support/usage-mock.ts';

const DELAY_SECONDS = 3;
const STREAMS = 10;
/** Each stream runs ~5 s: started before SIGTERM, it outlives the 3 s delay. */
const STREAM_SPEC = { chunks: 50, interval_ms: 100, prompt_tokens: 5, completion_tokens: 50 };
const VK = 'vk-drain-secret-value-0001';

interface Answer {
  status?: number;
  body?: string;
  connection?: string;
  /** Set when there was no HTTP answer at all (ECONNREFUSED, ECONNRESET…). */
  error?: string;
}

/** One request on a connection of its own, so a refused connection shows as such. */
function send(url: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: text ? { 'content-type': 'application/json', 'x-bf-vk': VK } : {},
      },
      (res) => {
        let received = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (received += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode, body: received, connection: res.headers.connection }),
        );
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(text);
  });
}

const chat = (url: string, stream: boolean) =>
  send(url, 'POST', '/v1/chat/completions', {
    model: 'openai/gpt-4o-mini',
    messages: [{ role: 'user', content: 'drain' }],
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    mock: stream ? STREAM_SPEC : { prompt_tokens: 5, completion_tokens: 5 },
  });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let mock: UsageMock;
let dir: string;
let heimdall: HeimdallChild | undefined;

beforeAll(async () => {
  mock = await startUsageMock();
  dir = mkdtempSync(join(tmpdir(), 'heimdall-drain-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      client: { enable_logging: true },
      providers: {
        openai: {
          keys: [{ name: 'k', value: 'sk-drain-provider-secret', weight: 1, models: ['*'] }],
          network_config: { base_url: mock.url },
        },
      },
      governance: {
        budgets: [{ id: 'drain', max_limit: 100, reset_duration: '1d' }],
        virtual_keys: [{ id: 'vk-drain', name: 'vk-drain', value: VK, budget_id: 'drain' }],
      },
    }),
  );
}, 30_000);

afterAll(async () => {
  if (heimdall?.child.exitCode === null) heimdall.child.kill('SIGKILL');
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SIGTERM drain', () => {
  it('serves new requests during the delay with 0 refusals, finishes streams, flushes, exits 0', async () => {
    heimdall = await startHeimdallChild({
      HEIMDALL_CONFIG: join(dir, 'config.json'),
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_SHUTDOWN_DELAY_SECONDS: String(DELAY_SECONDS),
    });
    const { url, child } = heimdall;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const streams = Array.from({ length: STREAMS }, () => chat(url, true));
    // Every stream is under way (the mock has seen it) before the signal.
    for (let i = 0; i < 200 && mock.seen.length < STREAMS; i++) await pause(20);
    expect(mock.seen.length).toBe(STREAMS);

    const signalled = Date.now();
    child.kill('SIGTERM');
    // Readiness is off within moments of the signal; liveness stays on.
    let health = await send(url, 'GET', '/health');
    for (let i = 0; i < 100 && health.status === 200; i++) {
      await pause(20);
      health = await send(url, 'GET', '/health');
    }
    const readinessOffAfterMs = Date.now() - signalled;
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body ?? '{}')).toMatchObject({ status: 'draining' });
    expect((await send(url, 'GET', '/livez')).status).toBe(200);

    // New connections throughout the delay (short of its end: the signal takes a moment to land).
    const during: Answer[] = [];
    while (Date.now() - signalled < DELAY_SECONDS * 1000 - 300) {
      during.push(await chat(url, false));
      await pause(25);
    }
    const refused = during.filter((answer) => answer.error !== undefined);
    expect(refused).toEqual([]);
    expect(during.map((answer) => answer.status).filter((status) => status !== 200)).toEqual([]);

    // After the delay the listener closes (streams are still running, so the process is not gone).
    let late = await send(url, 'GET', '/livez');
    while (late.error === undefined && child.exitCode === null && Date.now() - signalled < 20_000) {
      await pause(50);
      late = await send(url, 'GET', '/livez');
    }
    const refusedFromMs = Date.now() - signalled;

    const finished = await Promise.all(streams);
    for (const stream of finished) {
      expect(stream.status).toBe(200);
      expect(stream.body).toContain('data: [DONE]');
    }
    const [code] = await exited;
    const exitedAfterMs = Date.now() - signalled;
    expect(code, heimdall.output()).toBe(0);

    // Usage and request logs of every answered request were flushed before the exit.
    const db = new Database(join(dir, 'data', 'heimdall.db'), { readonly: true });
    try {
      const logRows = db
        .prepare("select count(*) as n from request_logs where virtual_key_id = 'vk-drain'")
        .get() as { n: number };
      const settles = db
        .prepare("select count(*) as n from usage_ledger where budget_id = 'drain' and kind = 'settle'")
        .get() as { n: number };
      expect(logRows.n).toBe(STREAMS + during.length);
      expect(settles.n).toBe(STREAMS + during.length);
    } finally {
      db.close();
    }
    console.log('SIGTERM drain:', {
      delaySeconds: DELAY_SECONDS,
      readinessOffAfterMs,
      servedDuringDelay: during.length,
      refusedDuringDelay: refused.length,
      newConnectionsRefusedFromMs: refusedFromMs,
      streamsCompleted: finished.length,
      exitedAfterMs,
      exitCode: code,
    });
  }, 60_000);

  it('cuts streams still running at the end of the grace period, flushes their log rows, exits 0', async () => {
    const seenBefore = mock.seen.length;
    heimdall = await startHeimdallChild({
      HEIMDALL_CONFIG: join(dir, 'config.json'),
      HEIMDALL_DATA_DIR: join(dir, 'data-cut'),
      HEIMDALL_SHUTDOWN_DELAY_SECONDS: '0',
      // Streams still running 2 s after the listener closes are cut: the grace's last 2 s are
      // kept for settling and flushing them.
      HEIMDALL_SHUTDOWN_GRACE_SECONDS: '4',
    });
    const { url, child } = heimdall;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const streams = Array.from({ length: 3 }, () => chat(url, true));
    for (let i = 0; i < 200 && mock.seen.length < seenBefore + 3; i++) await pause(20);
    const signalled = Date.now();
    child.kill('SIGTERM');
    const cut = await Promise.all(streams);
    const [code] = await exited;
    console.log('SIGTERM drain, grace running out:', {
      exitedAfterMs: Date.now() - signalled,
      exitCode: code,
    });
    expect(code, heimdall.output()).toBe(0);
    // Each stream was cut short (5 s of chunks, 2 s to run), not completed.
    for (const stream of cut) expect(stream.body ?? '').not.toContain('data: [DONE]');
    const db = new Database(join(dir, 'data-cut', 'heimdall.db'), { readonly: true });
    try {
      const logRows = db
        .prepare("select count(*) as n from request_logs where virtual_key_id = 'vk-drain'")
        .get() as { n: number };
      expect(logRows.n).toBe(3);
    } finally {
      db.close();
    }
  }, 60_000);
});
