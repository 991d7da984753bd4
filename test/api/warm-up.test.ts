/**
 * The start-up warm-up (api/warm-up.ts): its requests go through the gateway's real code to the
 * loopback upstream and come back whole, half of them streamed; it leaves no server or socket
 * open; HEIMDALL_WARMUP_REQUESTS is read strictly. That `npm start` runs it before listening, and
 * that the real gateway never sees its requests, is checked in test/e2e/compiled-start.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger.ts';
import { tokenizerLoaded } from '../../gateway/pricing/tokenize.ts';
import {
  DEFAULT_WARMUP_REQUESTS,
  warmUp,
  warmUpBeforeListening,
  warmUpRequestsFromEnv,
} from '../../api/warm-up.ts';

/** This process's open handles and pending timers, by kind (TCPServerWrap, TCPSocketWrap, Timeout…). */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('start-up warm-up', () => {
  it('relays every request whole through the governed gateway, half of them as streams, one in four on the Anthropic route, and refuses an unknown key', async () => {
    // Nothing in this test file's fresh module graph has counted tokens yet.
    expect(tokenizerLoaded('o200k_base')).toBe(false);
    const report = await warmUp({ requests: 40 });
    // Requests 19 and 39 (both streams; 39 on the Anthropic route, refused in its envelope) carry
    // an unknown virtual key: a 403 only while governance checks keys. The other 38 come back
    // whole, 18 of them streamed; pairs 3, 7, 11, 15 and 19 (requests 6–7, 14–15, …) take the
    // Anthropic route, 9 of them answered.
    expect(report).toMatchObject({ completed: 38, streamed: 18, anthropic: 9, refused: 2, failed: 0 });
    expect(report.ms).toBeGreaterThan(0);
    // The Anthropic route's translated streams estimate their input with o200k_base: its tables
    // are loaded now, not by the first caller's request.
    expect(tokenizerLoaded('o200k_base')).toBe(true);
  });

  it('closes the servers, connections and timers it opened', async () => {
    // Closed handles leave the list on a later turn of the event loop.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    await settle();
    const before = activeResources();
    await warmUp({ requests: 8, concurrency: 2 });
    await settle();
    const after = activeResources();
    for (const kind of new Set([...Object.keys(before), ...Object.keys(after)]))
      expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
  });

  it('stops at its time limit, however many requests were asked for', async () => {
    const report = await warmUp({ requests: 1_000_000, maxMs: 200 });
    expect(report.completed).toBeGreaterThan(0);
    expect(report.completed).toBeLessThan(1_000_000);
    expect(report.failed).toBe(0);
  });

  it('warns and lets start-up go on when it cannot run', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', (line) => lines.push(line));
    await warmUpBeforeListening(100, logger, () =>
      Promise.reject(new Error('listen EADDRNOTAVAIL 127.0.0.1')),
    );
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'start-up warm-up failed; serving without it (HEIMDALL_WARMUP_REQUESTS=0 skips it)',
        error: 'listen EADDRNOTAVAIL 127.0.0.1',
      }),
    ]);
  });

  it('does nothing when asked for no requests', async () => {
    expect(await warmUp({ requests: 0 })).toEqual({
      completed: 0,
      streamed: 0,
      anthropic: 0,
      refused: 0,
      failed: 0,
      ms: 0,
    });
  });

  it('reads HEIMDALL_WARMUP_REQUESTS as a whole number ≥ 0, and refuses anything else with the fix', () => {
    expect(warmUpRequestsFromEnv({})).toBe(DEFAULT_WARMUP_REQUESTS);
    expect(warmUpRequestsFromEnv({ HEIMDALL_WARMUP_REQUESTS: ' ' })).toBe(DEFAULT_WARMUP_REQUESTS);
    expect(warmUpRequestsFromEnv({ HEIMDALL_WARMUP_REQUESTS: '0' })).toBe(0);
    expect(warmUpRequestsFromEnv({ HEIMDALL_WARMUP_REQUESTS: '250' })).toBe(250);
    for (const bad of ['-1', '1.5', 'lots'])
      expect(() => warmUpRequestsFromEnv({ HEIMDALL_WARMUP_REQUESTS: bad })).toThrow(
        `HEIMDALL_WARMUP_REQUESTS: expected a whole number of requests ≥ 0 (0 turns the start-up warm-up off; default ${DEFAULT_WARMUP_REQUESTS}), got "${bad}"`,
      );
  });
});
