/**
 * Acceptance: applyConfig dry runs show field-level diffs and write nothing; a document with
 * one invalid entity writes nothing and names the path; CEL errors carry their position.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, DIALECTS, type TestControlPlane } from './harness.ts';

const APPLY = `mutation($doc: JSON!, $dryRun: Boolean, $prune: Boolean) {
  applyConfig(document: $doc, dryRun: $dryRun, prune: $prune) {
    __typename
    ... on ConfigPlan { hasChanges applied version creates updates deletes unchanged warnings
      changes { kind id action changes { path before after } } }
    ... on ValidationError { code issues { path message } }
    ... on CelExpressionError { code path summary line column offset }
  }
}`;

type Plan = Record<string, unknown> & {
  changes?: Array<{ kind: string; id: string; action: string; changes: unknown[] }>;
};

const base = {
  providers: { openai: { keys: [{ name: 'primary', value: 'sk-live-secret-value-0001', models: ['*'] }] } },
  governance: {
    budgets: [{ id: 'budget-dev', max_limit: 50, reset_duration: '1M' }],
    rate_limits: [{ id: 'rl', request_max_limit: 100, request_reset_duration: '1m' }],
    teams: [{ id: 'team-a', name: 'Team A', budget_id: 'budget-dev' }],
    virtual_keys: [{ id: 'vk-a', name: 'A', value: 'vk-a-secret-value-0001', team_id: 'team-a' }],
    routing_rules: [
      {
        id: 'r1',
        name: 'GPT',
        cel_expression: "model.startsWith('gpt-')",
        targets: [{ provider: 'openai' }],
      },
    ],
  },
};

describe.each(DIALECTS)('applyConfig (%s)', (dialect) => {
  let cp: TestControlPlane;
  const apply = async (doc: unknown, options: { dryRun?: boolean; prune?: boolean } = {}) =>
    (await cp.ok<{ applyConfig: Plan }>(APPLY, { doc, ...options })).applyConfig;
  const version = async () => (await cp.ok<{ configVersion: number }>('{ configVersion }')).configVersion;

  beforeAll(async () => {
    cp = await createTestControlPlane(dialect);
  });
  afterAll(() => cp.close());

  it('creates everything in one transaction and one version', async () => {
    const plan = await apply(base);
    expect(plan).toMatchObject({ applied: true, creates: 7, updates: 0, deletes: 0, version: 1 });
    expect(await apply(base)).toMatchObject({ hasChanges: false, applied: false, unchanged: 7 });
  });

  it('dry-runs a change as field-level diffs and writes nothing', async () => {
    const changed = structuredClone(base);
    changed.governance.budgets[0]!.max_limit = 75;
    changed.governance.teams[0]!.name = 'Team A (renamed)';
    changed.providers.openai.keys[0]!.value = 'sk-rotated-secret-value-0002';
    const before = await cp.ok('{ exportConfig }');
    const writes = { count: 0 };
    const off = cp.database.onStatement(({ sql }) => {
      if (/^\s*(insert|update|delete)/i.test(sql)) writes.count += 1;
    });
    const plan = await apply(changed, { dryRun: true });
    off();
    expect(writes.count).toBe(0);
    expect(plan).toMatchObject({ applied: false, version: null, updates: 3 });
    const byId = Object.fromEntries(plan.changes!.map((c) => [`${c.kind}:${c.id}`, c]));
    expect(byId['budget:budget-dev']).toMatchObject({
      action: 'UPDATE',
      changes: [{ path: 'max_limit', before: 50, after: 75 }],
    });
    expect(byId['team:team-a']!.changes).toEqual([
      { path: 'name', before: 'Team A', after: 'Team A (renamed)' },
    ]);
    expect(byId['provider_key:openai/primary']!.changes).toEqual([
      { path: 'value', before: '********0001', after: '********0002' },
    ]);
    expect(JSON.stringify(plan)).not.toContain('sk-rotated');
    expect(await cp.ok('{ exportConfig }')).toEqual(before);
    expect(await version()).toBe(1);
  });

  it('refuses a document with one invalid entity, names the path and writes nothing', async () => {
    const bad = structuredClone(base) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    bad.governance.budgets.push({ id: 'budget-new', max_limit: 10, reset_duration: '1M' });
    bad.governance.teams.push({ id: 'team-b', name: 'B', budget_id: 'budget-missing' });
    bad.governance.rate_limits[0].request_reset_duration = 'often';
    const plan = await apply(bad);
    expect(plan.__typename).toBe('ValidationError');
    const paths = (plan.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toContain('governance.rate_limits[0].request_reset_duration');
    const refs = await apply({
      governance: { teams: [{ id: 'team-b', name: 'B', budget_id: 'budget-missing' }] },
    });
    expect(refs).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ path: 'governance.teams[0].budget_id' }],
    });
    expect(await cp.ok('{ budget(id: "budget-new") { id } }')).toEqual({ budget: null });
    expect(await version()).toBe(1);
  });

  it('refuses an invalid CEL expression with its position', async () => {
    const bad = structuredClone(base);
    bad.governance.routing_rules[0]!.cel_expression = "model.startsWith('gpt-') && modle == 'x'";
    const plan = await apply(bad);
    expect(plan).toMatchObject({
      __typename: 'CelExpressionError',
      code: 'INVALID_CEL',
      path: 'governance.routing_rules[0].cel_expression',
      line: 1,
      column: 29,
      offset: 28,
    });
    expect(plan.summary).toContain('modle');
  });

  it('keeps entities the document does not list unless pruning, and prunes only mentioned sections', async () => {
    const partial = { governance: { budgets: [{ id: 'budget-dev', max_limit: 50, reset_duration: '1M' }] } };
    expect(await apply(partial)).toMatchObject({ hasChanges: false });
    const pruned = await apply(
      { governance: { ...partial.governance, routing_rules: [] } },
      { prune: true, dryRun: true },
    );
    expect(pruned.changes).toEqual([{ kind: 'routing_rule', id: 'r1', action: 'DELETE', changes: [] }]);
  });
});
