/** publishBudgetUpdated coalesces bursts to about ten events a second per budget. */
import { describe, expect, it } from 'vitest';
import { BUDGET_EVENT_INTERVAL_MS, createHeimdallPubSub, publishBudgetUpdated } from '../../schema/pubsub.ts';

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
});
