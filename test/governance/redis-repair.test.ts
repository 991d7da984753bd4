/**
 * The Redis store's repair (api/counters/redis-store.ts), which every replica runs before each
 * lease sweep over every budget: it reads intents and prunes the `counted` sets a pipeline of
 * budgets at a time, so a sweep costs a few round trips to Redis rather than two per budget, and
 * still resolves an old intent and prunes an old counted entry. Round trips are counted at a
 * loopback proxy between the store and Redis.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BUDGETS = 1200;
const PREFIX = `heimdall-test-${randomBytes(4).toString('hex')}:`;

/** A TCP proxy to Redis that counts the writes reaching it from its clients (one per round trip or more). */
async function countingProxy(
  target: URL,
): Promise<{ url: string; writes: () => number; close: () => Promise<void> }> {
  let writes = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', () => writes++);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    writes: () => writes,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let proxy: Awaited<ReturnType<typeof countingProxy>>;
let stack: Stack;
let redis: Redis;
const budgetKey = (id: string) => `${PREFIX}meter:budget:${id}`;

beforeAll(async () => {
  process.env.HEIMDALL_REDIS_PREFIX = PREFIX;
  proxy = await countingProxy(new URL(REDIS_URL));
  redis = new Redis(REDIS_URL);
  const budgets = Array.from({ length: BUDGETS }, (_, i) => ({
    id: `repair-${i}`,
    max_limit: 10,
    reset_duration: '1d',
  }));
  stack = await startStack({ governance: { budgets } }, { store: 'redis', redisUrl: proxy.url });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await proxy?.close();
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  delete process.env.HEIMDALL_REDIS_PREFIX;
});

describe('Redis store repair over many budgets', () => {
  it('costs a few round trips, not two per budget, and still resolves and prunes', async () => {
    const now = Date.now();
    const longAgo = now - 60 * 60_000;
    // An intent of a process that died an hour ago, never written to the ledger: dropped.
    await redis.hset(
      `${budgetKey('repair-7')}:intents`,
      'lost\u00000\u0000reserve\u0000repair-7',
      `reserved|1000|${longAgo}|0|gone|1`,
    );
    // A counted entry past the ten minutes it is kept, on a budget without intents: pruned.
    await redis.zadd(`${budgetKey('repair-900')}:counted`, longAgo, 'old-entry');
    await redis.zadd(`${budgetKey('repair-900')}:counted`, now, 'fresh-entry');

    const before = proxy.writes();
    expect(await stack.service.store.repair!()).toBe(1);
    const writes = proxy.writes() - before;
    // One read and one script per budget, awaited in turn, reached the proxy as 2,405 writes; 500
    // budgets to a pipeline, as 18 (the script's load, three batches of reads and of prunes split
    // over TCP segments, and the one budget with an old intent).
    expect(writes).toBeLessThan(40);

    expect(await redis.hlen(`${budgetKey('repair-7')}:intents`)).toBe(0);
    expect(await redis.zrange(`${budgetKey('repair-900')}:counted`, 0, -1)).toEqual(['fresh-entry']);
  });
});
