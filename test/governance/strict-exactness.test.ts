/**
 * Strict budgets never end a window above their limit, under concurrency and across replicas:
 * 200 concurrent requests (half streamed) against $1.00, on SQLite (memory counters), Postgres,
 * two gateways sharing Postgres, and two gateways sharing Postgres with Redis counters. The
 * admitted count is within one request of the maximum: at most one refused request would still
 * fit in what is left.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { startStack, type Stack } from './support/stack.ts';
import { runStrict, STRICT_LIMIT_MICROS, strictConfig } from './support/strict-run.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

let mock: UsageMock;
const pgs: TestDatabase[] = [];

beforeAll(async () => {
  mock = await startUsageMock();
});

afterAll(async () => {
  await mock?.close();
  for (const pg of pgs) await pg.drop();
});

async function check(stacks: Stack[], label: string) {
  try {
    const outcome = await runStrict(stacks);
    console.log(`strict $1.00 (${label}):`, outcome);
    expect(outcome.settledMicros).toBeLessThanOrEqual(STRICT_LIMIT_MICROS);
    expect(outcome.admitted + outcome.refused).toBe(200);
    expect(outcome.couldStillFit).toBeLessThanOrEqual(1);
    expect(outcome.admitted).toBeGreaterThan(20);
  } finally {
    for (const stack of stacks) await stack.close();
  }
}

async function pgUrl(): Promise<string> {
  const db = await createTestDatabase('heimdall_gov');
  pgs.push(db);
  return db.url;
}

describe('strict budget exactness', () => {
  it('SQLite, one node, counters in memory', async () => {
    await check([await startStack(strictConfig(mock.url))], 'sqlite/memory');
  }, 60_000);

  it('Postgres, counters in the database', async () => {
    await check([await startStack(strictConfig(mock.url), { databaseUrl: await pgUrl() })], 'postgres');
  }, 60_000);

  it('two gateways sharing Postgres', async () => {
    const url = await pgUrl();
    const a = await startStack(strictConfig(mock.url), { databaseUrl: url });
    const b = await startStack(strictConfig(mock.url), { databaseUrl: url, reconcile: false });
    await check([a, b], 'two gateways, postgres');
  }, 60_000);

  it('two gateways sharing Postgres with counters in Redis', async () => {
    process.env.HEIMDALL_REDIS_PREFIX = `heimdall-test-${randomBytes(4).toString('hex')}:`;
    const url = await pgUrl();
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const a = await startStack(strictConfig(mock.url), { databaseUrl: url, store: 'redis', redisUrl });
    const b = await startStack(strictConfig(mock.url), {
      databaseUrl: url,
      store: 'redis',
      redisUrl,
      reconcile: false,
    });
    await check([a, b], 'two gateways, redis');
  }, 60_000);
});
