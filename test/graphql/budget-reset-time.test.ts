/**
 * Issue 13, item 2: a calendar-aligned budget's first window starts when it is created but ends
 * on the next UTC boundary (that is when enforcement resets it), so `resetsAt` and `windowEnd`
 * must say midnight / Monday / the 1st, not creation time + duration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, type TestControlPlane } from './harness.ts';

const DAY = 86_400_000;
const UPSERT = `mutation($input: BudgetInput!) { upsertBudget(input: $input) { __typename } }`;
const READ = `query($id: ID!) { budget(id: $id) { windowStart windowEnd resetsAt } }`;

interface Window {
  windowStart: string;
  windowEnd: string | null;
  resetsAt: string | null;
}

const nextMidnight = (now: number) => Math.floor(now / DAY) * DAY + DAY;
const nextMonday = (now: number) => {
  const midnight = nextMidnight(now) - DAY;
  const daysSinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return midnight + (7 - daysSinceMonday) * DAY;
};
const firstOfNextMonth = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};
const firstOfNextYear = (now: number) => Date.UTC(new Date(now).getUTCFullYear() + 1, 0, 1);

describe('budget reset time (GraphQL)', () => {
  let cp: TestControlPlane;

  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite');
  });
  afterAll(() => cp.close());

  /** Creates the budget now and reads its window; `expected` is judged at both ends of the call. */
  async function created(id: string, resetDuration: string, calendarAligned: boolean) {
    const before = Date.now();
    await cp.ok(UPSERT, { input: { id, maxLimit: 10, resetDuration, calendarAligned } });
    const { budget } = await cp.ok<{ budget: Window }>(READ, { id });
    return { budget, before, after: Date.now() };
  }

  it.each([
    ['1d', nextMidnight],
    ['1w', nextMonday],
    ['1M', firstOfNextMonth],
    ['1Y', firstOfNextYear],
  ])('a calendar-aligned %s budget resets on the next UTC boundary in its first window', async (d, next) => {
    const { budget, before, after } = await created(`cal-${d}`, d, true);
    const allowed = [next(before), next(after)].map((ms) => new Date(ms).toISOString());
    expect(allowed).toContain(budget.resetsAt);
    expect(budget.windowEnd).toBe(budget.resetsAt);
    // The first window still starts at creation: spend before it was created is not counted.
    expect(Date.parse(budget.windowStart)).toBeGreaterThanOrEqual(before);
  });

  it('a rolling budget resets one period after it was created', async () => {
    const { budget } = await created('rolling-1d', '1d', false);
    expect(Date.parse(budget.resetsAt!)).toBe(Date.parse(budget.windowStart) + DAY);
    expect(budget.windowEnd).toBe(budget.resetsAt);
  });
});
