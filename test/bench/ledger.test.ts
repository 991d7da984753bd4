/** The bench's money verdict: request-log costs, the budget counter and the ledger must agree. */
import { describe, expect, it } from 'vitest';
import { reconcileSpend } from './ledger.ts';

describe('bench ledger check', () => {
  it('reconciles when all three records agree', () => {
    const verdict = reconcileSpend({ logs: 10, logCostMicros: 2500, budgetUsedMicros: 2500 }, 2500);
    expect(verdict.ok).toBe(true);
    expect(verdict.line).toBe(
      'reconciles: 10 request logs costing $0.002500, budget counter $0.002500, ledger (settled) $0.002500',
    );
  });

  it('fails when any record differs by one micro-dollar', () => {
    expect(reconcileSpend({ logs: 10, logCostMicros: 2500, budgetUsedMicros: 2501 }, 2500).ok).toBe(false);
    expect(reconcileSpend({ logs: 10, logCostMicros: 2500, budgetUsedMicros: 2500 }, 2499).ok).toBe(false);
  });

  it('fails when nothing was logged or priced: agreeing zeros prove nothing', () => {
    expect(reconcileSpend({ logs: 0, logCostMicros: 0, budgetUsedMicros: 0 }, 0).ok).toBe(false);
    expect(reconcileSpend({ logs: 5, logCostMicros: 0, budgetUsedMicros: 0 }, 0).ok).toBe(false);
  });
});
