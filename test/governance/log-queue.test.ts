/**
 * Request logs survive a control-plane outage: a batch the channel refuses is kept and retried
 * (no row lost, none stored twice), within a bounded queue and a bounded retry window.
 */
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { GovernanceChannel, RequestLogRow } from '../../clients/contract/governance.ts';
import { LogQueue } from '../../gateway/governance/log-queue.ts';
import { requestLogRow } from '../support/request-log-row.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

const row = (id: string): RequestLogRow => requestLogRow(id, { costMicros: 1 });

/** A channel that is down while `down` is true and stores rows by id otherwise. */
function flakyChannel() {
  const stored = new Map<string, RequestLogRow>();
  const state = { down: true, attempts: 0 };
  const channel: GovernanceChannel = {
    acquireLease: () => Promise.reject(new Error('unused')),
    reportUsage: () => Promise.resolve(),
    writeRequestLogs(rows) {
      state.attempts++;
      if (state.down) return Promise.reject(new Error('control plane: connection refused'));
      for (const r of rows) stored.set(r.id, r);
      return Promise.resolve();
    },
  };
  return { channel, stored, state };
}

const queues: LogQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close();
});

function setup(options: { capacity?: number; retryForMs?: number } = {}) {
  const flaky = flakyChannel();
  const clock = { now: 1_000_000 };
  const dropped = new Counter({ name: 'dropped', help: 'x', registers: [new Registry()] });
  const queue = new LogQueue(flaky.channel, silent, dropped, {
    batch: 10,
    flushMs: 60_000, // no timer flushes: the test drives them
    now: () => clock.now,
    ...options,
  });
  queues.push(queue);
  const droppedCount = async () => (await dropped.get()).values[0]?.value ?? 0;
  return { ...flaky, clock, queue, droppedCount };
}

describe('request-log queue', () => {
  it('keeps a refused batch and delivers every row once the control plane is back', async () => {
    const { queue, stored, state, clock, droppedCount } = setup();
    for (let i = 0; i < 25; i++) queue.push(row(`r${i}`));
    await queue.flush();
    expect(stored.size).toBe(0);
    expect(queue.pending).toBe(25);
    await queue.flush(); // before the retry interval: not re-sent
    expect(state.attempts).toBe(1);
    clock.now += 60_000;
    state.down = false;
    await queue.flush();
    await queue.flush();
    expect([...stored.keys()].sort()).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`).sort());
    expect(queue.pending).toBe(0);
    expect(await droppedCount()).toBe(0);
  });

  it('bounds what it holds during an outage and counts what it refuses', async () => {
    const { queue, droppedCount } = setup({ capacity: 30 });
    for (let i = 0; i < 40; i++) queue.push(row(`r${i}`));
    await queue.flush();
    expect(queue.pending).toBe(30);
    expect(await droppedCount()).toBe(10);
  });

  it('drops a batch (counted) once it has failed for longer than the retry window', async () => {
    const { queue, clock, droppedCount } = setup({ retryForMs: 120_000 });
    for (let i = 0; i < 5; i++) queue.push(row(`r${i}`));
    await queue.flush();
    clock.now += 60_000;
    await queue.flush();
    expect(await droppedCount()).toBe(0);
    clock.now += 61_000;
    await queue.flush();
    expect(await droppedCount()).toBe(5);
    expect(queue.pending).toBe(0);
  });

  it('does not wait for an absent control plane on shutdown: rows are dropped and counted', async () => {
    const { queue, droppedCount } = setup();
    for (let i = 0; i < 12; i++) queue.push(row(`r${i}`));
    await queue.close();
    expect(queue.pending).toBe(0);
    expect(await droppedCount()).toBe(12);
  });
});
