/**
 * Acceptance: the seed governance example through GraphQL mutations alone, then exported and
 * re-applied with an empty plan; relations resolve both ways; upserts are idempotent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, DIALECTS, type TestControlPlane } from './harness.ts';
import { SEED_API_ENV, seedConfig, seedThroughMutations } from './seed.ts';

const PLAN = `mutation($doc: JSON!, $dryRun: Boolean, $prune: Boolean) {
  applyConfig(document: $doc, dryRun: $dryRun, prune: $prune) {
    __typename
    ... on ConfigPlan { hasChanges applied version creates updates deletes unchanged changes { kind id action changes { path before after } } }
    ... on ValidationError { code issues { path message } }
    ... on CelExpressionError { code message }
  }
}`;

describe.each(DIALECTS)('seed governance through mutations (%s)', (dialect) => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await createTestControlPlane(dialect, { env: SEED_API_ENV });
  });
  afterAll(() => cp.close());

  it('creates every entity, and re-running the upserts changes nothing', async () => {
    const sent = await seedThroughMutations(cp);
    const config = seedConfig();
    expect(sent).toBeGreaterThan(40);
    const version = (await cp.ok<{ configVersion: number }>('{ configVersion }')).configVersion;
    expect(version).toBe(sent);
    const counts = await cp.ok<Record<string, { totalCount: number }>>(`{
      budgets { totalCount } rateLimits { totalCount } customers { totalCount } teams { totalCount }
      virtualKeys { totalCount } modelConfigs { totalCount } providerGovernance { totalCount }
      routingRules { totalCount } providers { totalCount } providerKeys { totalCount } }`);
    expect(counts.virtualKeys!.totalCount).toBe(6);
    expect(counts.budgets!.totalCount).toBe(config.governance.budgets.length);
    expect(counts.routingRules!.totalCount).toBe(3);
    await seedThroughMutations(cp);
    expect((await cp.ok<{ configVersion: number }>('{ configVersion }')).configVersion).toBe(version);
  });

  it('resolves relations in both directions', async () => {
    const data = await cp.ok<{ team: Record<string, unknown>; budget: Record<string, unknown> }>(`{
      team(id: "team-platform") {
        customer { id name budget { id maxLimit } teams { id } }
        budget { id maxLimitMicros remaining resetsAt mode }
        virtualKeys { id providerConfigs { provider keyIds } }
      }
      budget(id: "budget-production") {
        virtualKeys { id } customers { id } teams { id } modelConfigs { id } providerGovernance { name }
      }
    }`);
    expect(data.team).toMatchObject({
      customer: { id: 'customer-acme', budget: { id: 'budget-production', maxLimit: 500 } },
      budget: { id: 'budget-enterprise', maxLimitMicros: '5000000000', remaining: 5000, mode: 'SOFT' },
      virtualKeys: [
        { id: 'vk-platform-team', providerConfigs: [{ provider: 'openai', keyIds: ['openai-primary'] }] },
      ],
    });
    const budget = data.budget as Record<string, Array<{ id?: string; name?: string }>>;
    expect(budget.virtualKeys!.map((v) => v.id).sort()).toEqual(['vk-batch', 'vk-multi', 'vk-openai-prod']);
    expect(budget.customers!.map((c) => c.id)).toEqual(['customer-acme']);
    expect(budget.providerGovernance!.map((p) => p.name)).toEqual(['anthropic', 'openai']);
  });

  it('exports the live config and re-applies it with an empty plan', async () => {
    const { exportConfig } = await cp.ok<{ exportConfig: Record<string, unknown> }>('{ exportConfig }');
    const dry = await cp.ok<{ applyConfig: Record<string, unknown> }>(PLAN, {
      doc: exportConfig,
      dryRun: true,
    });
    expect(dry.applyConfig).toMatchObject({
      __typename: 'ConfigPlan',
      hasChanges: false,
      applied: false,
      creates: 0,
      updates: 0,
      deletes: 0,
    });
    expect(dry.applyConfig.unchanged).toBeGreaterThan(40);
    const real = await cp.ok<{ applyConfig: Record<string, unknown> }>(PLAN, {
      doc: exportConfig,
      prune: true,
    });
    expect(real.applyConfig).toMatchObject({ hasChanges: false, applied: false, version: null });
    const secrets = JSON.stringify(exportConfig);
    for (const secret of [
      'sk-ant-literal-primary-secret-0001',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'vk-dev-all-secret-token',
    ]) {
      expect(secrets).not.toContain(secret);
    }
  });
});
