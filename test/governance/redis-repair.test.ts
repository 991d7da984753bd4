/**
 * The Redis store's repair (api/counters/redis-store.ts), which every replica runs before each
 * lease sweep. A replica's first repair (and one every ten minutes) visits every budget in the
 * database, a pipeline of budgets at a time, so it costs a few round trips rather than two per
 * budget; the others visit only the budgets in the repair set, which the scripts that leave an
 * intent or a counted entry join atomically and REPAIR leaves once both are empty. Traffic is
 * counted at a loopback proxy between the store and Redis.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../api/counters/redis-store.ts';
import { QUIET, startStack, type Stack } from './support/stack.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BUDGETS = 1200;
const PREFIX = `heimdall-test-${randomBytes(4).toString('hex')}:`;

/**
 * A TCP proxy to Redis that counts the writes reaching it from its clients (one per round trip or
 * more) and the HGETALL commands among them (one per budget visited).
 */
async function countingProxy(
  target: URL,
): Promise<{ url: string; writes: () => number; reads: () => number; close: () => Promise<void> }> {
  let writes = 0;
  let reads = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk: Buffer) => {
      writes++;
      reads += chunk.toString('latin1').match(/\r\nhgetall\r\n/gi)?.length ?? 0;
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    writes: () => writes,
    reads: () => reads,
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
const REPAIR_SET = `${PREFIX}repair:budgets`;
let clock = Date.now();
/** Another replica, opened by the test, whose clock the test moves. */
let replica: RedisStore;

beforeAll(async () => {
  process.env.HEIMDALL_REDIS_PREFIX = PREFIX;
  proxy = await countingProxy(new URL(REDIS_URL));
  redis = new Redis(REDIS_URL);
  const budgets = Array.from({ length: BUDGETS }, (_, i) => ({
    id: `repair-${i}`,
    max_limit: 10,
    reset_duration: '1d',
  }));
  // The stack's own store sweeps on its timer straight to Redis; only the test's replica goes
  // through the proxy, so what the proxy counts is that replica's alone.
  stack = await startStack({ governance: { budgets } }, { store: 'redis', redisUrl: REDIS_URL });
  replica = await RedisStore.open(stack.database, proxy.url, () => clock, QUIET, { prefix: PREFIX });
}, 60_000);

afterAll(async () => {
  await replica?.close();
  await stack?.close();
  await proxy?.close();
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  delete process.env.HEIMDALL_REDIS_PREFIX;
});

describe('Redis store repair over many budgets', () => {
  it("on a replica's first repair visits every budget, in a few round trips, and resolves and prunes", async () => {
    const now = clock;
    const longAgo = now - 60 * 60_000;
    // Left as a version without the repair set would leave them (neither budget is in it).
    // An intent of a process that died an hour ago, never written to the ledger: dropped.
    await redis.hset(
      `${budgetKey('repair-7')}:intents`,
      'lost\u00000\u0000reserve\u0000repair-7',
      `reserved|1000|${longAgo}|0|gone|1`,
    );
    // A counted entry past the ten minutes it is kept, on a budget without intents: pruned.
    await redis.zadd(`${budgetKey('repair-900')}:counted`, longAgo, 'old-entry');
    await redis.zadd(`${budgetKey('repair-900')}:counted`, now, 'fresh-entry');

    const [writes, reads] = [proxy.writes(), proxy.reads()];
    expect(await replica.repair()).toBe(1);
    // One read and one script per budget, awaited in turn, reached the proxy as 2,405 writes; 500
    // budgets to a pipeline, as 18 to 19 (three batches of reads and of prunes split over TCP
    // segments, the script's text once per connection, and the one budget with an old intent).
    expect(proxy.writes() - writes).toBeLessThan(40);
    expect(proxy.reads() - reads).toBe(BUDGETS);

    expect(await redis.hlen(`${budgetKey('repair-7')}:intents`)).toBe(0);
    expect(await redis.zrange(`${budgetKey('repair-900')}:counted`, 0, -1)).toEqual(['fresh-entry']);
    // repair-900 still remembers an entry: it joins the set; repair-7 has nothing left.
    expect(await redis.sismember(REPAIR_SET, 'repair-900')).toBe(1);
    expect(await redis.sismember(REPAIR_SET, 'repair-7')).toBe(0);
  });

  it('later visits only the budgets in the repair set, which a grant joins and leaves once settled', async () => {
    const lease = {
      holder: 'test-replica',
      kind: 'budget' as const,
      id: 'repair-42',
      seq: 1,
      want: 3,
      min: 1,
    };
    expect((await replica.grant(lease)).granted).toBe(3);
    // The grant's intent (closed once its ledger row was written) left a counted entry.
    expect(await redis.sismember(REPAIR_SET, 'repair-42')).toBe(1);
    const members = (await redis.smembers(REPAIR_SET)).length;
    expect(members).toBeLessThan(BUDGETS / 10);

    const reads = proxy.reads();
    expect(await replica.repair()).toBe(0);
    expect(proxy.reads() - reads).toBe(members);
    expect(await redis.sismember(REPAIR_SET, 'repair-42')).toBe(1);

    // Past the ten minutes counted entries are kept, the budget has no work left and leaves the set.
    clock += 11 * 60_000;
    await replica.repair(); // a full visit (ten minutes since the last), which prunes
    expect(await redis.sismember(REPAIR_SET, 'repair-42')).toBe(0);
    expect(await redis.sismember(REPAIR_SET, 'repair-900')).toBe(0);
    const afterPrune = proxy.reads();
    await replica.repair();
    expect(proxy.reads() - afterPrune).toBe(await redis.scard(REPAIR_SET));
  });
});
