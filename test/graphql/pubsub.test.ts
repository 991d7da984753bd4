/**
 * publishBudgetUpdated and publishRateLimitUpdated coalesce bursts to about ten events a second
 * per budget or rate limit (one throttle per topic and id).
 */
import { describe, expect, it } from 'vitest';
import {
  BUDGET_EVENT_INTERVAL_MS,
  createHeimdallPubSub,
  publishBudgetUpdated,
  publishRateLimitUpdated,
  RATE_LIMIT_EVENT_INTERVAL_MS,
} from '../../schema/pubsub.ts';

describe('budget event coalescing', () => {
  it('sends the first settle at once and folds a burst into one trailing event per interval', async () => {
    const pubsub = createHeimdallPubSub();
    const seen: Array<{ budgetId: string; at: number }> = [];
    const stream = pubsub.subscribe('budgetUpdated');
    const reading = (async () => {
      for await (const event of stream) seen.push({ ...event, at: Date.now() });
    })();
    const started = Date.now();
    // 300 settles of one budget over ~300 ms, and one of another budget.
    for (let i = 0; i < 300; i++) {
      publishBudgetUpdated(pubsub, 'busy');
      if (i === 0) publishBudgetUpdated(pubsub, 'quiet');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await new Promise((resolve) => setTimeout(resolve, BUDGET_EVENT_INTERVAL_MS * 2));
    await stream.return?.();
    await reading;
    const busy = seen.filter((e) => e.budgetId === 'busy');
    const elapsed = busy.at(-1)!.at - started;
    expect(seen.filter((e) => e.budgetId === 'quiet')).toHaveLength(1);
    expect(busy[0]!.at - started).toBeLessThan(20);
    expect(busy.length).toBeLessThanOrEqual(Math.ceil(elapsed / BUDGET_EVENT_INTERVAL_MS) + 1);
    expect(busy.length).toBeGreaterThanOrEqual(2);
  });

  it('throttles rate limits the same way, apart from a budget with the same id', async () => {
    const pubsub = createHeimdallPubSub();
    const seen: string[] = [];
    const budgets = pubsub.subscribe('budgetUpdated');
    const limits = pubsub.subscribe('rateLimitUpdated');
    const reading = [
      (async () => {
        for await (const event of budgets) seen.push(`budget:${event.budgetId}`);
      })(),
      (async () => {
        for await (const event of limits) seen.push(`rate:${event.rateLimitId}`);
      })(),
    ];
    publishBudgetUpdated(pubsub, 'shared');
    for (let i = 0; i < 20; i++) publishRateLimitUpdated(pubsub, 'shared');
    publishRateLimitUpdated(pubsub, 'other');
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The first of each goes out at once; the burst on "shared" leaves one trailing event.
    expect(seen.sort()).toEqual(['budget:shared', 'rate:other', 'rate:shared']);
    await new Promise((resolve) => setTimeout(resolve, RATE_LIMIT_EVENT_INTERVAL_MS * 2));
    await budgets.return?.();
    await limits.return?.();
    await Promise.all(reading);
    expect(seen.filter((e) => e === 'rate:shared')).toHaveLength(2);
    expect(seen.filter((e) => e === 'budget:shared')).toHaveLength(1);
  });
});
