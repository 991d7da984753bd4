import { describe, expect, it } from 'vitest';
import { getConfigVersion } from '../../../db/repositories/meta.ts';
import { createBudget, getBudget, updateBudget } from '../../../db/repositories/budgets.ts';
import { listProviderKeys } from '../../../db/repositories/provider-keys.ts';
import { getPlugin, updatePlugin } from '../../../db/repositories/routing.ts';
import { createVirtualKey, deleteVirtualKey, getVirtualKey } from '../../../db/repositories/virtual-keys.ts';
import { reconcileConfig, ReconcileError } from '../../../db/reconcile.ts';
import { FIXTURE_ENV, fixtureConfig } from '../fixture.ts';
import { rawTables, tick } from '../support.ts';
import type { ContractContext } from './context.ts';

export function reconcileTests(ctx: ContractContext): void {
  const reconcile = (config = fixtureConfig()) =>
    reconcileConfig(ctx.db, config, ctx.box, { env: FIXTURE_ENV });

  describe('reconcileConfig', () => {
    it('creates every file entity on the first start', async () => {
      const result = await reconcile();
      expect(result.updated).toEqual([]);
      expect(result.unchanged).toEqual([]);
      expect(result.created).toEqual(
        expect.arrayContaining([
          'budget:budget-dev',
          'rate_limit:rate-limit-standard',
          'customer:customer-acme',
          'team:team-platform',
          'provider:openai',
          'provider_key:openai/openai-primary',
          'provider_key:bedrock/bedrock-main',
          'virtual_key:vk-env',
          'model_config:model-gpt4o',
          'provider_governance:openai',
          'routing_rule:route-team',
          'plugin:governance',
          'client',
          'auth',
        ]),
      );
      expect(result.version).toBe(1);
      expect((await getBudget(ctx.db, 'budget-tiny'))?.maxLimitMicros).toBe(300_000);
      expect((await getVirtualKey(ctx.db, 'vk-platform-team'))?.providerConfigs).toHaveLength(2);
    });

    it('a second start with the same file changes no row and no version', async () => {
      await reconcile();
      const before = await rawTables(ctx.db);
      await tick();
      const again = await reconcile();
      expect(again.created).toEqual([]);
      expect(again.updated).toEqual([]);
      expect(again.version).toBe(1);
      expect(await rawTables(ctx.db)).toEqual(before);
    });

    it('a changed file entity overwrites its row and keeps its id', async () => {
      await reconcile();
      const keyId = (await listProviderKeys(ctx.db, ctx.box, 'openai')).find(
        (k) => k.name === 'openai-primary',
      )?.id;
      const changed = fixtureConfig((raw) => {
        const gov = raw.governance as { budgets: Array<{ max_limit: number }> };
        gov.budgets[0]!.max_limit = 75;
        const openai = (raw.providers as Record<string, { keys: Array<{ weight: number }> }>).openai!;
        openai.keys[0]!.weight = 9;
      });
      const result = await reconcile(changed);
      expect(result.updated.sort()).toEqual(['budget:budget-dev', 'provider_key:openai/openai-primary']);
      expect(result.created).toEqual([]);
      expect(result.version).toBe(2);
      expect((await getBudget(ctx.db, 'budget-dev'))?.maxLimitMicros).toBe(75_000_000);
      const key = (await listProviderKeys(ctx.db, ctx.box, 'openai')).find(
        (k) => k.name === 'openai-primary',
      );
      expect(key).toMatchObject({ id: keyId, weight: 9 });
    });

    it('a database edit to an unchanged file entity survives a restart', async () => {
      await reconcile();
      await updateBudget(ctx.db, 'budget-dev', { maxLimitMicros: 1 });
      const result = await reconcile();
      expect(result.updated).toEqual([]);
      expect((await getBudget(ctx.db, 'budget-dev'))?.maxLimitMicros).toBe(1);
    });

    it('database-only entities survive, and a deletion of an unchanged file entity sticks', async () => {
      await reconcile();
      await createBudget(ctx.db, { id: 'db-only', maxLimitMicros: 5, resetDuration: '1d' });
      await deleteVirtualKey(ctx.db, 'vk-dev-all');
      const result = await reconcile();
      expect(result.created).toEqual([]);
      expect(result.unchanged).toContain('virtual_key:vk-dev-all');
      expect(await getBudget(ctx.db, 'db-only')).toBeDefined();
      expect(await getVirtualKey(ctx.db, 'vk-dev-all')).toBeUndefined();
    });

    it('plugins are re-seeded only by a higher version', async () => {
      await reconcile();
      await updatePlugin(ctx.db, 'governance', { config: { edited: 'in db' } });
      const sameVersion = fixtureConfig((raw) => {
        (raw.plugins as Array<{ config: unknown }>)[0]!.config = { from: 'file, same version' };
      });
      expect((await reconcile(sameVersion)).updated).toEqual([]);
      expect((await getPlugin(ctx.db, 'governance'))?.config).toEqual({ edited: 'in db' });
      const higher = fixtureConfig((raw) => {
        (raw.plugins as Array<{ config: unknown; version: number }>)[0]!.version = 2;
        (raw.plugins as Array<{ config: unknown }>)[0]!.config = { from: 'file v2' };
      });
      expect((await reconcile(higher)).updated).toEqual(['plugin:governance']);
      expect(await getPlugin(ctx.db, 'governance')).toMatchObject({
        version: 2,
        config: { from: 'file v2' },
      });
    });

    it('writes nothing when any entity fails', async () => {
      await reconcile();
      // A database-only key holding the value the file is about to give another key.
      await createVirtualKey(ctx.db, { id: 'squatter', name: 'S', value: 'vk-new-secret-value-0001' });
      const before = await rawTables(ctx.db);
      const conflicting = fixtureConfig((raw) => {
        const gov = raw.governance as {
          budgets: Array<{ max_limit: number }>;
          virtual_keys: Array<{ value: string }>;
        };
        gov.budgets[0]!.max_limit = 99;
        gov.virtual_keys[0]!.value = 'vk-new-secret-value-0001';
      });
      const error = await reconcile(conflicting).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReconcileError);
      expect((error as ReconcileError).entity).toBe('virtual_key:vk-dev-all');
      expect(await rawTables(ctx.db)).toEqual(before);
      expect(await getConfigVersion(ctx.db)).toBe(1);
    });
  });
}
