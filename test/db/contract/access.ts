import { describe, expect, it } from 'vitest';
import { constraintViolation } from '../../../db/errors.ts';
import * as budgets from '../../../db/repositories/budgets.ts';
import * as keys from '../../../db/repositories/provider-keys.ts';
import * as providers from '../../../db/repositories/providers.ts';
import * as owners from '../../../db/repositories/customers.ts';
import * as models from '../../../db/repositories/model-configs.ts';
import * as routing from '../../../db/repositories/routing.ts';
import * as vks from '../../../db/repositories/virtual-keys.ts';
import type { ContractContext } from './context.ts';

export function accessTests(ctx: ContractContext): void {
  describe('virtual keys', () => {
    it('stores only the hash and suffix, and finds a key by value', async () => {
      const { db } = ctx;
      const created = await vks.createVirtualKey(db, {
        id: 'vk1',
        name: 'One',
        value: 'sk-bf-abcdefgh1234',
        providerConfigs: [
          { provider: 'openai', weight: 2, allowedModels: ['gpt-4o'], keyIds: ['primary'] },
          { provider: 'groq' },
        ],
      });
      expect(created.valueHash).toBe(vks.hashVirtualKey('sk-bf-abcdefgh1234'));
      expect(created.valueHash).toMatch(/^[0-9a-f]{64}$/);
      expect(created.valueSuffix).toBe('1234');
      expect(created.isActive).toBe(true);
      expect(
        created.providerConfigs.map((pc) => [pc.provider, pc.weight, pc.allowedModels, pc.keyIds]),
      ).toEqual([
        ['openai', 2, ['gpt-4o'], ['primary']],
        ['groq', 1, ['*'], []],
      ]);
      expect(await vks.getVirtualKey(db, 'vk1')).toEqual(created);
      expect((await vks.findVirtualKeyByValue(db, 'sk-bf-abcdefgh1234'))?.id).toBe('vk1');
      expect(await vks.findVirtualKeyByValue(db, 'sk-bf-wrong')).toBeUndefined();
    });

    it('updates fields, rotates the value and replaces provider configs', async () => {
      const { db } = ctx;
      await vks.createVirtualKey(db, {
        id: 'vk',
        name: 'K',
        value: 'first-value',
        providerConfigs: [{ provider: 'openai' }],
      });
      const updated = await vks.updateVirtualKey(db, 'vk', {
        isActive: false,
        value: 'second-value',
        providerConfigs: [{ provider: 'anthropic' }, { provider: 'groq' }],
      });
      expect(updated?.isActive).toBe(false);
      expect(updated?.valueSuffix).toBe('alue');
      expect(updated?.providerConfigs.map((pc) => pc.provider)).toEqual(['anthropic', 'groq']);
      expect(await vks.findVirtualKeyByValue(db, 'first-value')).toBeUndefined();
      expect(await vks.updateVirtualKey(db, 'missing', { name: 'x' })).toBeUndefined();
      expect(await vks.listVirtualKeys(db)).toHaveLength(1);
    });

    it('rejects a duplicate value and a key owned by both a team and a customer', async () => {
      const { db } = ctx;
      await vks.createVirtualKey(db, { id: 'a', name: 'A', value: 'same-value' });
      const duplicate = await vks
        .createVirtualKey(db, { id: 'b', name: 'B', value: 'same-value' })
        .catch((e: unknown) => e);
      expect(constraintViolation(duplicate)).toBe('unique');
      await owners.createCustomer(db, { id: 'c', name: 'C' });
      await owners.createTeam(db, { id: 't', name: 'T' });
      const both = await vks
        .createVirtualKey(db, { id: 'x', name: 'X', value: 'other', teamId: 't', customerId: 'c' })
        .catch((e: unknown) => e);
      expect(constraintViolation(both)).toBe('check');
      expect((await vks.listVirtualKeys(db)).map((k) => k.id)).toEqual(['a']);
    });

    it('deleting a key deletes its provider configs', async () => {
      const { db } = ctx;
      await vks.createVirtualKey(db, {
        id: 'vk',
        name: 'K',
        value: 'v',
        providerConfigs: [{ provider: 'openai' }],
      });
      expect(await vks.deleteVirtualKey(db, 'vk')).toBe(true);
      const left = await db.run(({ orm, t }) => orm.select().from(t.virtualKeyProviderConfigs));
      expect(left).toEqual([]);
    });
  });

  describe('batch lookups', () => {
    it('filter by id lists in a fixed number of statements, as dataloaders need', async () => {
      const { db, box } = ctx;
      await budgets.createBudget(db, { id: 'b1', maxLimitMicros: 1, resetDuration: '1d' });
      await budgets.createBudget(db, { id: 'b2', maxLimitMicros: 1, resetDuration: '1d' });
      await owners.createCustomer(db, { id: 'c1', name: 'C1' });
      await owners.createCustomer(db, { id: 'c2', name: 'C2' });
      await owners.createTeam(db, { id: 't1', name: 'T1', customerId: 'c1' });
      await owners.createTeam(db, { id: 't2', name: 'T2', customerId: 'c2' });
      for (const [id, teamId] of [
        ['k1', 't1'],
        ['k2', 't2'],
        ['k3', 't1'],
      ] as const) {
        await vks.createVirtualKey(db, {
          id,
          name: id,
          value: `value-${id}`,
          teamId,
          providerConfigs: [{ provider: 'openai' }],
        });
      }
      await providers.createProvider(db, box, { name: 'openai' });
      await providers.createProvider(db, box, { name: 'groq' });
      await keys.createProviderKey(db, box, { provider: 'openai', name: 'o' });
      await keys.createProviderKey(db, box, { provider: 'groq', name: 'g' });

      const before = db.statementCount;
      const byTeam = await vks.listVirtualKeys(db, { teamIds: ['t1'] });
      expect(db.statementCount - before).toBe(2);
      expect(byTeam.map((k) => [k.id, k.providerConfigs.length])).toEqual([
        ['k1', 1],
        ['k3', 1],
      ]);
      expect((await vks.listVirtualKeys(db, { ids: ['k2', 'nope'] })).map((k) => k.id)).toEqual(['k2']);
      expect((await owners.listTeams(db, { customerIds: ['c2'] })).map((t) => t.id)).toEqual(['t2']);
      expect((await owners.listCustomers(db, { ids: ['c1'] })).map((c) => c.id)).toEqual(['c1']);
      expect((await budgets.listBudgets(db, { ids: ['b2'] })).map((b) => b.id)).toEqual(['b2']);
      expect(await budgets.listBudgets(db, { ids: [] })).toEqual([]);
      expect((await keys.listProviderKeys(db, box, ['groq', 'openai'])).map((k) => k.name)).toEqual([
        'g',
        'o',
      ]);
    });
  });

  describe('model configs, provider governance, routing rules, plugins', () => {
    it('model configs and provider governance round-trip', async () => {
      const { db } = ctx;
      const mc = await models.createModelConfig(db, { id: 'm', modelName: 'gpt-4o', provider: 'openai' });
      expect(await models.getModelConfig(db, 'm')).toEqual(mc);
      expect(await models.updateModelConfig(db, 'm', { provider: null })).toMatchObject({ provider: null });
      expect(await models.listModelConfigs(db)).toHaveLength(1);
      expect(await models.deleteModelConfig(db, 'm')).toBe(true);
      const pg = await models.createProviderGovernance(db, { name: 'openai', sendBackRawRequest: true });
      expect(pg.sendBackRawRequest).toBe(true);
      expect(pg.sendBackRawResponse).toBeNull();
      expect(await models.getProviderGovernance(db, 'openai')).toEqual(pg);
      expect(
        await models.updateProviderGovernance(db, 'openai', { sendBackRawRequest: false }),
      ).toMatchObject({
        sendBackRawRequest: false,
      });
      expect(await models.listProviderGovernance(db)).toHaveLength(1);
      expect(await models.deleteProviderGovernance(db, 'openai')).toBe(true);
    });

    it('routing rules come back in priority order with their JSON intact', async () => {
      const { db } = ctx;
      const targets = [{ provider: 'azure', model: '', weight: 1, key_id: 'k' }];
      await routing.createRoutingRule(db, {
        id: 'b',
        name: 'B',
        celExpression: 'true',
        targets,
        priority: 2,
      });
      await routing.createRoutingRule(db, {
        id: 'a',
        name: 'A',
        celExpression: 'true',
        targets,
        priority: 5,
      });
      await routing.createRoutingRule(db, {
        id: 'c',
        name: 'C',
        celExpression: 'true',
        targets,
        scope: 'team',
        scopeId: 't',
        priority: 0,
      });
      const rules = await routing.listRoutingRules(db);
      expect(rules.map((r) => r.id)).toEqual(['c', 'b', 'a']);
      expect(rules[0]).toMatchObject({ scope: 'team', scopeId: 't', enabled: true, fallbacks: [], targets });
      expect(await routing.updateRoutingRule(db, 'a', { enabled: false, priority: -1 })).toMatchObject({
        enabled: false,
      });
      expect((await routing.listRoutingRules(db))[0]?.id).toBe('a');
      expect(await routing.getRoutingRule(db, 'a')).toMatchObject({ priority: -1 });
      expect(await routing.deleteRoutingRule(db, 'a')).toBe(true);
    });

    it('plugins round-trip and their names are unique', async () => {
      const { db } = ctx;
      const created = await routing.createPlugin(db, {
        name: 'governance',
        version: 2,
        config: { nested: { a: [1, 2] } },
      });
      expect(created).toMatchObject({ enabled: true, version: 2, config: { nested: { a: [1, 2] } } });
      expect(await routing.getPlugin(db, 'governance')).toEqual(created);
      const duplicate = await routing.createPlugin(db, { name: 'governance' }).catch((e: unknown) => e);
      expect(constraintViolation(duplicate)).toBe('unique');
      expect(await routing.updatePlugin(db, 'governance', { enabled: false })).toMatchObject({
        enabled: false,
      });
      expect(await routing.listPlugins(db)).toHaveLength(1);
      expect(await routing.deletePlugin(db, 'governance')).toBe(true);
    });
  });
}
