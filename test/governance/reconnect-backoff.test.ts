/**
 * The remote control-plane client's reconnect back-off is capped (issue 12, item 5): however long
 * the control plane stays away, the next attempt is at most 2 s off, so a gateway notices its
 * return within that. Time here is virtual (faked setTimeout, advanced by the test); the
 * connection attempts are real, to a loopback port that accepts and hangs up.
 */
import { createServer, type Server } from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRemoteControlPlane, reconnectDelayMs } from '../../clients/remote-control-plane.ts';

/** A "control plane" that is down: every connection is accepted and closed at once. */
async function refusingServer(): Promise<{ server: Server; port: number; attempts(): number }> {
  let attempts = 0;
  const server = createServer((socket) => {
    attempts += 1;
    socket.destroy();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as { port: number }).port, attempts: () => attempts };
}

/** Waits (real time, on the event loop) for `probe`; gives up after `ms` of wall clock. */
async function eventually(probe: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return true;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('reconnect back-off', () => {
  it('waits 250 ms–2 s between attempts, with jitter, however many attempts failed', () => {
    for (const retries of [0, 1, 2, 3, 5, 10, 30, 1_000, Number.MAX_SAFE_INTEGER]) {
      for (const random of [0, 0.25, 0.5, 0.999]) {
        const delay = reconnectDelayMs(retries, () => random);
        expect(delay).toBeGreaterThanOrEqual(250);
        expect(delay).toBeLessThanOrEqual(2_000);
      }
    }
    expect(reconnectDelayMs(0, () => 0)).toBe(250);
    // After the first quick attempts it settles at 1–2 s, spread so gateways do not reconnect in step.
    expect(reconnectDelayMs(10, () => 0)).toBe(1_000);
    expect(reconnectDelayMs(10, () => 0.999)).toBeGreaterThan(1_990);
  });

  it('keeps trying every 2 s (virtual clock) while the control plane stays away', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const down = await refusingServer();
    const client = createRemoteControlPlane({
      url: `ws://127.0.0.1:${down.port}/graphql`,
      webSocketImpl: WebSocket,
    });
    try {
      expect(await eventually(() => down.attempts() === 1, 5_000)).toBe(true);
      // graphql-ws's own back-off (2^n s + up to 3 s) stops keeping up by the third step.
      for (let step = 2; step <= 12; step += 1) {
        await vi.advanceTimersByTimeAsync(2_000);
        const attempted = await eventually(() => down.attempts() >= step, 5_000);
        expect(attempted, `attempt ${step} within 2 s of virtual time after the previous one`).toBe(true);
      }
    } finally {
      // Closing waits for the pending attempt: let its (virtual) wait run out first.
      const closing = client.close().catch(() => undefined);
      await vi.advanceTimersByTimeAsync(30_000);
      vi.useRealTimers();
      await closing;
      down.server.close();
    }
  });

  it('closes cleanly while a reconnect is pending (a gateway stopped during an outage exits 0)', async () => {
    const down = await refusingServer();
    const client = createRemoteControlPlane({
      url: `ws://127.0.0.1:${down.port}/graphql`,
      webSocketImpl: WebSocket,
    });
    try {
      expect(await eventually(() => down.attempts() >= 1, 5_000)).toBe(true);
      await expect(client.close()).resolves.toBeUndefined();
    } finally {
      down.server.close();
    }
  });
});
