/**
 * Cross-replica events: two pub/subs on their own event targets (as two replicas would have)
 * hear each other through Postgres LISTEN/NOTIFY and through Redis, batches included.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventTarget } from '../../api/events/event-target.ts';
import type { BroadcastEventTarget } from '../../api/events/broadcast-event-target.ts';
import { createLogger } from '../../api/logger.ts';
import { createHeimdallPubSub, publishBudgetUpdated, publishRequestLogs } from '../../schema/pubsub.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { requestLogRow } from '../support/request-log-row.ts';
import { smallLogs } from './fixtures.ts';

const logger = createLogger('error', () => undefined);
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function firstMatching<T>(iterator: AsyncIterable<T>, match: (value: T) => boolean): Promise<T> {
  for await (const value of iterator) if (match(value)) return value;
  throw new Error('stream ended');
}

describe.each(['postgres', 'redis'] as const)('events across replicas (%s)', (kind) => {
  let pg: TestDatabase | undefined;
  const targets: BroadcastEventTarget[] = [];
  afterAll(async () => {
    for (const target of targets) await target.close();
    await pg?.drop();
  });

  const replica = async () => {
    if (kind === 'postgres' && !pg) pg = await createTestDatabase('heimdall_events');
    const target = await createEventTarget(
      kind === 'redis' ? { redisUrl: REDIS_URL, logger } : { postgresUrl: pg!.url, logger },
    );
    targets.push(target!);
    return createHeimdallPubSub({ eventTarget: target });
  };

  it('a budget event published on one replica reaches a subscriber on the other', async () => {
    const [a, b] = [await replica(), await replica()];
    const budgetId = `budget-${randomUUID()}`;
    const heard = firstMatching(a.subscribe('budgetUpdated'), (e) => e.budgetId === budgetId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    publishBudgetUpdated(b, budgetId);
    expect(await heard).toEqual({ budgetId });
  });

  it('request-log batches are split under the NOTIFY size limit and all arrive', async () => {
    const [a, b] = [await replica(), await replica()];
    const rows = smallLogs().map((row) =>
      requestLogRow(`${randomUUID()}-${row.id}`, {
        createdAt: row.createdAt,
        provider: row.provider,
        model: row.model,
        status: row.status === 'error' ? 'error' : 'success',
        costMicros: row.costMicros ?? null,
        error: 'x'.repeat(200),
      }),
    );
    const ids = new Set<string>();
    const heard = firstMatching(a.subscribe('requestLogged'), (batch) => {
      for (const row of batch.rows) if (rows.some((r) => r.id === row.id)) ids.add(row.id);
      return ids.size === rows.length;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    publishRequestLogs(b, rows);
    await heard;
    expect(ids.size).toBe(40);
  });
});
