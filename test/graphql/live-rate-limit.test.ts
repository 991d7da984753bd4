/**
 * Live rate-limit counters: `rateLimitUpdated` is published when the control plane's counters
 * move (a lease of request or token units granted — leased units count as used — or unused units
 * handed back), and RateLimit reads the live counters (in memory on SQLite, ahead of the
 * write-behind) with ended windows rolled.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GovernanceService } from '../../api/counters/service.ts';
import { createLogger } from '../../api/logger.ts';
import type { RunningHeimdall } from '../../api/start.ts';
import { createRateLimit, getRateLimit, type RateLimitRecord } from '../../db/index.ts';
import type { Context } from '../../schema/context.ts';
import { publishRateLimitUpdated } from '../../schema/pubsub.ts';
import { withLiveRateCounters } from '../../schema/types/rate-limit.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import {
  createTestControlPlane,
  nextEvents,
  nextSubscription,
  settle,
  type TestControlPlane,
} from './harness.ts';
import { chat, liveConfig, startLive, untilSubscribed, type LiveHeimdall } from './live-stack.ts';

const SUBSCRIPTION =
  'subscription { rateLimitUpdated(id: "rl-sync") { id requestMaxLimit requestCurrentUsage requestRemaining } }';

type Event = {
  rateLimitUpdated: {
    id: string;
    requestMaxLimit: string;
    requestCurrentUsage: string;
    requestRemaining: string;
  };
};

/** The live stack's config with one request a window on the virtual key. */
function rateLimitedConfig(mockUrl: string): Record<string, unknown> {
  const config = liveConfig(mockUrl) as { governance: { virtual_keys: Array<Record<string, unknown>> } };
  return {
    ...config,
    governance: {
      ...config.governance,
      rate_limits: [{ id: 'rl-sync', request_max_limit: 1, request_reset_duration: '1h' }],
      virtual_keys: config.governance.virtual_keys.map((vk) => ({ ...vk, rate_limit_id: 'rl-sync' })),
    },
  };
}

function wsClient(heimdall: RunningHeimdall): Client {
  return createClient({
    url: `${heimdall.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
}

/**
 * One request through the rate-limited key: the subscriber hears the grant of its lease. With a
 * limit of 1 the gateway's lease is exactly that request (a lease is at most what remains), so
 * the counter equals the requests charged; a second request is refused and moves nothing.
 */
async function measure(heimdall: LiveHeimdall): Promise<number> {
  const client = wsClient(heimdall);
  try {
    const subscribed = untilSubscribed(heimdall, 'rateLimitUpdated');
    const events = nextEvents<Event>(client, SUBSCRIPTION, 1, 5000);
    await subscribed();
    const response = await chat(heimdall.url, 'openai/gpt-4o-mini');
    expect(response.status).toBe(200);
    const completed = Date.now();
    const [event] = await events;
    expect(event!.rateLimitUpdated).toMatchObject({
      id: 'rl-sync',
      requestMaxLimit: '1',
      requestCurrentUsage: '1',
      requestRemaining: '0',
    });
    expect((await chat(heimdall.url, 'openai/gpt-4o-mini')).status).toBe(429);
    return event!.receivedAt - completed;
  } finally {
    await client.dispose();
  }
}

describe('rateLimitUpdated over graphql-ws (startHeimdall)', () => {
  let mock: OpenAIMock;
  let pg: TestDatabase;
  const running: LiveHeimdall[] = [];
  beforeAll(async () => {
    mock = await startOpenAIMock();
    pg = await createTestDatabase('heimdall_live_rl');
  });
  afterAll(async () => {
    for (const heimdall of running) await heimdall.stop();
    await mock.close();
    await pg.drop();
  });

  it('SQLite (memory counters): an event within 500 ms whose requestCurrentUsage is the requests charged', async () => {
    const heimdall = await startLive(rateLimitedConfig(mock.url));
    running.push(heimdall);
    const delay = await measure(heimdall);
    console.log(`rateLimitUpdated, SQLite: ${delay} ms after the response`);
    expect(delay).toBeLessThan(500);
  });

  it('Postgres (database counters): the same event and counters', async () => {
    const heimdall = await startLive(rateLimitedConfig(mock.url), { DATABASE_URL: pg.url });
    running.push(heimdall);
    const delay = await measure(heimdall);
    console.log(`rateLimitUpdated, Postgres: ${delay} ms after the response`);
    expect(delay).toBeLessThan(500);
  });
});

describe('RateLimit reads live counters ahead of the write-behind (SQLite, memory store)', () => {
  let cp: TestControlPlane;
  let service: GovernanceService;
  const changed: string[][] = [];
  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite');
    await createRateLimit(cp.database, {
      id: 'rl-live',
      requestMaxLimit: 10,
      requestResetDuration: '1h',
      tokenMaxLimit: 1000,
      tokenResetDuration: '1h',
    });
    service = await GovernanceService.open({
      database: cp.database,
      logger: createLogger('error', () => undefined),
      store: 'memory',
      // No write-behind during the test: the database row stays behind the live counters.
      flushMs: 3_600_000,
      onRateLimitsChanged: (ids) => {
        changed.push(ids);
        ids.forEach((id) => publishRateLimitUpdated(cp.pubsub, id));
      },
    });
    await cp.serveSources({ rateLimitCounters: (id) => service.store.rateCounters(id) });
  });
  afterAll(async () => {
    await service.close();
    await cp.close();
  });
  afterEach(() => {
    changed.length = 0;
  });

  const QUERY =
    '{ rateLimit(id: "rl-live") { requestCurrentUsage requestRemaining tokenCurrentUsage tokenRemaining } }';

  it('a grant counts its leased units at once; the row catches up only when written behind', async () => {
    const lease = { holder: 'gw-1', id: 'rl-live', min: 1 };
    const requests = await service.acquireLease({ ...lease, kind: 'requests', seq: 1, want: 3 });
    const tokens = await service.acquireLease({ ...lease, kind: 'tokens', seq: 1, want: 250 });
    expect([requests.granted, tokens.granted]).toEqual([3, 250]);
    expect(changed).toEqual([['rl-live'], ['rl-live']]);

    expect(await cp.ok(QUERY)).toEqual({
      rateLimit: {
        requestCurrentUsage: '3',
        requestRemaining: '7',
        tokenCurrentUsage: '250',
        tokenRemaining: '750',
      },
    });
    const row = await getRateLimit(cp.database, 'rl-live');
    expect([row!.requestCurrentUsage, row!.tokenCurrentUsage]).toEqual([0, 0]);

    await service.flush();
    const flushed = await getRateLimit(cp.database, 'rl-live');
    expect([flushed!.requestCurrentUsage, flushed!.tokenCurrentUsage]).toEqual([3, 250]);
  });

  it('a report returning unused units publishes rateLimitUpdated with the lowered counters', async () => {
    // Let the previous test's trailing (coalesced) event go out before subscribing.
    await settle(250);
    const client = await cp.wsClient();
    const subscribed = nextSubscription(cp.pubsub, 'rateLimitUpdated');
    const events = nextEvents<{
      rateLimitUpdated: { requestCurrentUsage: string; requestRemaining: string };
    }>(
      client,
      'subscription { rateLimitUpdated(id: "rl-live") { requestCurrentUsage requestRemaining } }',
      1,
    );
    // The event goes out only if the subscription has reached the server: wait for it there, not
    // for a fixed time (200 ms was not always enough on a loaded machine).
    await subscribed();
    const windowStart = (await service.store.rateCounters('rl-live'))!.requests!.windowStart;
    await service.reportUsage({
      holder: 'gw-1',
      ledger: [],
      rateReturns: [{ kind: 'requests', id: 'rl-live', amount: 2, windowStart }],
    });
    expect(changed).toEqual([['rl-live']]);
    const [event] = await events;
    expect(event!.rateLimitUpdated).toEqual({ requestCurrentUsage: '1', requestRemaining: '9' });
  });
});

describe('RateLimit reads live counters from Redis', () => {
  it('shows the counters of the Redis hashes, which the database row never gets', async () => {
    const cp = await createTestControlPlane('sqlite');
    const id = `rl-redis-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    await createRateLimit(cp.database, { id, requestMaxLimit: 10, requestResetDuration: '1h' });
    const service = await GovernanceService.open({
      database: cp.database,
      logger: createLogger('error', () => undefined),
      store: 'redis',
      redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    try {
      await cp.serveSources({ rateLimitCounters: (rid) => service.store.rateCounters(rid) });
      const grant = await service.acquireLease({
        holder: 'gw-r',
        kind: 'requests',
        id,
        seq: 1,
        want: 4,
        min: 1,
      });
      expect(grant.granted).toBe(4);
      const counters = await service.store.rateCounters(id);
      expect(counters).toEqual({ requests: { used: 4, windowStart: grant.windowStart } });
      const data = await cp.ok<{ rateLimit: Record<string, unknown> }>(
        `{ rateLimit(id: "${id}") { requestCurrentUsage requestRemaining } }`,
      );
      expect(data.rateLimit).toEqual({ requestCurrentUsage: '4', requestRemaining: '6' });
      expect((await getRateLimit(cp.database, id))!.requestCurrentUsage).toBe(0);
    } finally {
      await service.close();
      await cp.close();
    }
  });
});

describe('withLiveRateCounters', () => {
  const HOUR = 3_600_000;
  const now = Date.UTC(2026, 0, 10, 12, 0, 0);
  const row = {
    id: 'rl',
    requestMaxLimit: 100,
    requestResetDuration: '1h',
    requestCurrentUsage: 40,
    requestWindowStart: now - 30 * 60_000,
    tokenMaxLimit: 1000,
    tokenResetDuration: '1M',
    tokenCurrentUsage: 700,
    tokenWindowStart: Date.UTC(2025, 10, 30),
  } as RateLimitRecord;
  const ctx = (live?: Context['rateLimitCounters']) => ({ rateLimitCounters: live }) as Context;

  it('lays the live counters over the row', async () => {
    const live = () =>
      Promise.resolve({
        requests: { used: 55, windowStart: row.requestWindowStart },
        tokens: { used: 20, windowStart: Date.UTC(2026, 0, 1) },
      });
    const [out] = await withLiveRateCounters(ctx(live), [row], now);
    expect(out).toMatchObject({
      requestCurrentUsage: 55,
      requestWindowStart: row.requestWindowStart,
      tokenCurrentUsage: 20,
      tokenWindowStart: Date.UTC(2026, 0, 1),
    });
  });

  it('shows an ended window as the current, empty one (row or live counters)', async () => {
    const stale = { ...row, requestWindowStart: now - 2.5 * HOUR };
    const [fromRow] = await withLiveRateCounters(ctx(), [stale], now);
    // 1h rolling from the stored start; 1M rolling from Nov 30: Dec 30, then Jan 30 (not yet).
    expect(fromRow).toMatchObject({
      requestCurrentUsage: 0,
      requestWindowStart: now - 0.5 * HOUR,
      tokenCurrentUsage: 0,
      tokenWindowStart: Date.UTC(2025, 11, 30),
    });
    const live = () => Promise.resolve({ requests: { used: 9, windowStart: now - 1.25 * HOUR } });
    const [fromLive] = await withLiveRateCounters(ctx(live), [row], now);
    expect(fromLive).toMatchObject({ requestCurrentUsage: 0, requestWindowStart: now - 0.25 * HOUR });
  });
});
