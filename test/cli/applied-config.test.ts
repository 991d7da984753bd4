/**
 * The server side of `heimdall drift`: applyConfig remembers the last applied document per
 * target, without its secrets, and planning that document again shows what changed since.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, type TestControlPlane } from '../graphql/harness.ts';

const APPLY = `mutation($doc: JSON!, $dryRun: Boolean, $target: String) {
  applyConfig(document: $doc, dryRun: $dryRun, target: $target) {
    __typename
    ... on ConfigPlan { hasChanges changes { kind id action changes { path before after } } }
  }
}`;
const LAST = `query($target: String) { lastAppliedConfig(target: $target) { target hash document version appliedAt } }`;

const PROVIDER_SECRET = 'sk-live-secret-value-0001';
const KEY_SECRET = 'vk-a-secret-value-0001';
const doc = {
  providers: { openai: { keys: [{ name: 'primary', value: PROVIDER_SECRET, models: ['*'] }] } },
  governance: {
    budgets: [{ id: 'budget-dev', max_limit: 50, reset_duration: '1M' }],
    virtualKeys: [{ id: 'vk-a', name: 'A', value: KEY_SECRET, budget_id: 'budget-dev' }],
  },
};

type Last = {
  lastAppliedConfig: {
    target: string;
    hash: string;
    document: Record<string, unknown>;
    version: number;
  } | null;
};

describe('lastAppliedConfig', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite');
  });
  afterAll(() => cp?.close());

  it('is null before an apply, and a dry run records nothing', async () => {
    expect((await cp.ok<Last>(LAST, { target: 'prod' })).lastAppliedConfig).toBeNull();
    await cp.ok(APPLY, { doc, dryRun: true, target: 'prod' });
    expect((await cp.ok<Last>(LAST, { target: 'prod' })).lastAppliedConfig).toBeNull();
  });

  it('keeps the applied document per target without secrets; planning it again shows a later edit', async () => {
    await cp.ok(APPLY, { doc, target: 'prod' });
    const response = await cp.exec<Last>(LAST, { target: 'prod' });
    const text = JSON.stringify(response);
    expect(text).not.toContain(PROVIDER_SECRET);
    expect(text).not.toContain(KEY_SECRET);
    const last = response.data!.lastAppliedConfig!;
    expect(last).toMatchObject({ target: 'prod', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await cp.ok<Last>(LAST)).lastAppliedConfig).toBeNull(); // another target

    type Plan = { applyConfig: { hasChanges: boolean; changes: Array<Record<string, unknown>> } };
    const again = await cp.ok<Plan>(APPLY, { doc: last.document, dryRun: true });
    expect(again.applyConfig.hasChanges).toBe(false);

    await cp.ok(`mutation { updateBudget(id: "budget-dev", patch: { maxLimit: 75 }) { __typename } }`);
    const drift = await cp.ok<Plan>(APPLY, { doc: last.document, dryRun: true });
    expect(drift.applyConfig.changes).toEqual([
      {
        kind: 'budget',
        id: 'budget-dev',
        action: 'UPDATE',
        changes: [{ path: 'max_limit', before: 75, after: 50 }],
      },
    ]);
  });
});
