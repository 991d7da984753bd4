import { describe, expect, it } from 'vitest';
import { constraintViolation } from '../../../db/errors.ts';
import * as budgets from '../../../db/repositories/budgets.ts';
import * as owners from '../../../db/repositories/customers.ts';
import * as limits from '../../../db/repositories/rate-limits.ts';
import type { ContractContext } from './context.ts';

export function governanceTests(ctx: ContractContext): void {
  describe('budgets', () => {
    it('creates, reads, updates and deletes', async () => {
      const { db } = ctx;
      const created = await budgets.createBudget(db, {
        id: 'b1',
        maxLimitMicros: 50_000_000,
        resetDuration: '1M',
      });
      expect(created).toMatchObject({
        mode: 'soft',
        calendarAligned: false,
        currentUsageMicros: 0,
        reservedMicros: 0,
      });
      expect(await budgets.getBudget(db, 'b1')).toEqual(created);
      const updated = await budgets.updateBudget(db, 'b1', { mode: 'strict', calendarAligned: true });
      expect(updated).toMatchObject({ mode: 'strict', calendarAligned: true, maxLimitMicros: 50_000_000 });
      expect(await budgets.listBudgets(db)).toHaveLength(1);
      expect(await budgets.deleteBudget(db, 'b1')).toBe(true);
      expect(await budgets.getBudget(db, 'b1')).toBeUndefined();
    });

    it('keeps money exact in integer micro-dollars', async () => {
      const { db } = ctx;
      await budgets.createBudget(db, {
        id: 'big',
        maxLimitMicros: budgets.dollarsToMicros(5000),
        resetDuration: '1M',
      });
      expect((await budgets.getBudget(db, 'big'))?.maxLimitMicros).toBe(5_000_000_000);
      await budgets.addBudgetUsage(db, 'big', { usedMicros: budgets.dollarsToMicros(0.1) });
      const after = await budgets.addBudgetUsage(db, 'big', { usedMicros: budgets.dollarsToMicros(0.2) });
      expect(after?.currentUsageMicros).toBe(300_000);
      expect(budgets.microsToDollars(after?.currentUsageMicros ?? 0)).toBe(0.3);
      expect(budgets.dollarsToMicros(0.1 + 0.2)).toBe(300_000);
    });

    it('counter updates leave updated_at alone; reservations never exceed the limit', async () => {
      const { db } = ctx;
      const created = await budgets.createBudget(db, { id: 'b', maxLimitMicros: 1_000, resetDuration: '1d' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await budgets.tryReserveBudget(db, 'b', 600)).toBe(true);
      expect(await budgets.tryReserveBudget(db, 'b', 600)).toBe(false);
      await budgets.addBudgetUsage(db, 'b', { usedMicros: 300, reservedMicros: -600 });
      expect(await budgets.tryReserveBudget(db, 'b', 700)).toBe(true);
      const row = await budgets.getBudget(db, 'b');
      expect(row).toMatchObject({
        currentUsageMicros: 300,
        reservedMicros: 700,
        updatedAt: created.updatedAt,
      });
      const reset = await budgets.resetBudgetWindow(db, 'b', 1_700_000_000_000);
      expect(reset).toMatchObject({
        currentUsageMicros: 0,
        reservedMicros: 700,
        windowStart: 1_700_000_000_000,
      });
    });

    it('refuses to delete a budget still in use', async () => {
      const { db } = ctx;
      await budgets.createBudget(db, { id: 'b', maxLimitMicros: 1, resetDuration: '1d' });
      await owners.createCustomer(db, { id: 'c', name: 'C', budgetId: 'b' });
      const error = await budgets.deleteBudget(db, 'b').catch((e: unknown) => e);
      expect(constraintViolation(error)).toBe('foreign_key');
      expect(await budgets.getBudget(db, 'b')).toBeDefined();
    });
  });

  describe('rate limits', () => {
    it('creates, reads, counts, updates and deletes', async () => {
      const { db } = ctx;
      const created = await limits.createRateLimit(db, {
        id: 'r',
        tokenMaxLimit: 3_000_000_000,
        tokenResetDuration: '1h',
      });
      expect(created).toMatchObject({ requestMaxLimit: null, tokenCurrentUsage: 0 });
      expect(await limits.getRateLimit(db, 'r')).toEqual(created);
      const counted = await limits.addRateLimitUsage(db, 'r', { tokens: 2_500_000_000, requests: 1 });
      expect(counted).toMatchObject({ tokenCurrentUsage: 2_500_000_000, requestCurrentUsage: 1 });
      expect(await limits.updateRateLimit(db, 'r', { requestMaxLimit: 10 })).toMatchObject({
        requestMaxLimit: 10,
      });
      expect(await limits.listRateLimits(db)).toHaveLength(1);
      expect(await limits.deleteRateLimit(db, 'r')).toBe(true);
    });
  });

  describe('customers and teams', () => {
    it('creates, reads, updates, lists by customer and deletes', async () => {
      const { db } = ctx;
      await budgets.createBudget(db, { id: 'b', maxLimitMicros: 1, resetDuration: '1d' });
      const customer = await owners.createCustomer(db, { id: 'acme', name: 'Acme', budgetId: 'b' });
      expect(await owners.getCustomer(db, 'acme')).toEqual(customer);
      await owners.createTeam(db, { id: 't1', name: 'One', customerId: 'acme' });
      await owners.createTeam(db, { id: 't2', name: 'Two' });
      expect((await owners.listTeams(db, { customerId: 'acme' })).map((t) => t.id)).toEqual(['t1']);
      expect(await owners.listTeams(db)).toHaveLength(2);
      expect(await owners.updateTeam(db, 't2', { customerId: 'acme', name: 'Deux' })).toMatchObject({
        name: 'Deux',
      });
      expect(await owners.updateCustomer(db, 'acme', { budgetId: null })).toMatchObject({ budgetId: null });
      expect(constraintViolation(await owners.deleteCustomer(db, 'acme').catch((e: unknown) => e))).toBe(
        'foreign_key',
      );
      await owners.deleteTeam(db, 't1');
      await owners.deleteTeam(db, 't2');
      expect(await owners.deleteCustomer(db, 'acme')).toBe(true);
      expect(await owners.listCustomers(db)).toEqual([]);
    });

    it('rejects a team whose customer does not exist', async () => {
      const error = await owners
        .createTeam(ctx.db, { id: 't', name: 'T', customerId: 'ghost' })
        .catch((e: unknown) => e);
      expect(constraintViolation(error)).toBe('foreign_key');
    });
  });
}
