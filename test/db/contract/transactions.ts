import { describe, expect, it } from 'vitest';
import { createBudget, getBudget, listBudgets } from '../../../db/repositories/budgets.ts';
import { createVirtualKey } from '../../../db/repositories/virtual-keys.ts';
import type { ContractContext } from './context.ts';

const budget = (id: string) => ({ id, maxLimitMicros: 1, resetDuration: '1d' });

export function transactionTests(ctx: ContractContext): void {
  describe('transactions', () => {
    it('commit everything or nothing', async () => {
      const { db } = ctx;
      await db.transaction(async (tx) => {
        await createBudget(tx, budget('kept-1'));
        await createBudget(tx, budget('kept-2'));
      });
      const error = await db
        .transaction(async (tx) => {
          await createBudget(tx, budget('lost-1'));
          await createVirtualKey(tx, {
            id: 'vk',
            name: 'V',
            value: 'v',
            providerConfigs: [{ provider: 'openai' }],
          });
          throw new Error('boom');
        })
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe('boom');
      expect((await listBudgets(db)).map((b) => b.id)).toEqual(['kept-1', 'kept-2']);
      const leftovers = await db.run(async ({ orm, t }) => [
        ...(await orm.select().from(t.virtualKeys)),
        ...(await orm.select().from(t.virtualKeyProviderConfigs)),
      ]);
      expect(leftovers).toEqual([]);
    });

    it('rolls back a failed constraint with everything before it', async () => {
      const { db } = ctx;
      await createBudget(db, budget('exists'));
      await expect(
        db.transaction(async (tx) => {
          await createBudget(tx, budget('new'));
          await createBudget(tx, budget('exists'));
        }),
      ).rejects.toThrow();
      expect(await getBudget(db, 'new')).toBeUndefined();
    });

    it('nested transactions are savepoints', async () => {
      const { db } = ctx;
      await db.transaction(async (tx) => {
        await createBudget(tx, budget('outer'));
        await tx
          .transaction(async (inner) => {
            await createBudget(inner, budget('inner'));
            throw new Error('inner fails');
          })
          .catch(() => undefined);
        await tx.transaction((inner) => createBudget(inner, budget('inner-ok')));
      });
      expect((await listBudgets(db)).map((b) => b.id)).toEqual(['inner-ok', 'outer']);
    });

    it('work outside a transaction does not see or join it', async () => {
      const { db } = ctx;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const tx = db.transaction(async (t) => {
        await createBudget(t, budget('in-tx'));
        entered();
        await gate;
        throw new Error('rollback');
      });
      await inside;
      // Runs concurrently with the open transaction: must neither see its row nor be rolled back with it.
      const outside = createBudget(db, budget('outside'));
      const seen = getBudget(db, 'in-tx');
      release();
      await expect(tx).rejects.toThrow('rollback');
      await outside;
      expect(await seen).toBeUndefined();
      expect((await listBudgets(db)).map((b) => b.id)).toEqual(['outside']);
    });

    it('counts statements and reports them to listeners', async () => {
      const { db } = ctx;
      const seen: string[] = [];
      const stop = db.onStatement((event) => seen.push(event.sql));
      const before = db.statementCount;
      await listBudgets(db);
      await getBudget(db, 'x');
      stop();
      await listBudgets(db);
      expect(db.statementCount - before).toBe(3);
      expect(seen).toHaveLength(2);
      expect(seen[0]).toMatch(/select/i);
    });

    it('answers ping', async () => {
      await expect(ctx.db.ping()).resolves.toBeUndefined();
    });
  });
}
