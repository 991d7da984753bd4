/**
 * `heimdall plan / apply / export / drift` end to end against a started control plane (real
 * HTTP), with the seed documents' governance example (test/fixtures/governance-example.yaml).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, type TestControlPlane } from '../graphql/harness.ts';
import { cli, scratchDir } from './support.ts';

const FIXTURE = new URL('../fixtures/governance-example.yaml', import.meta.url).pathname;
const fixtureText = readFileSync(FIXTURE, 'utf8');
const SECRETS = [...fixtureText.matchAll(/value: (\S+)/g)].map((m) => m[1]!);

interface JsonPlan {
  hasChanges: boolean;
  changes: Array<{
    kind: string;
    id: string;
    action: string;
    changes: Array<{ path: string; before: unknown; after: unknown }>;
  }>;
}

/** Every entity the fixture declares, as plan entries name them. */
function fixtureEntities(): string[] {
  const doc = parse(fixtureText) as {
    providers: Record<string, { keys: Array<{ name: string }> }>;
    governance: Record<string, Array<{ id?: string; name?: string }>>;
  };
  const g = doc.governance;
  const ids = (
    list: Array<{ id?: string; name?: string }> | undefined,
    kind: string,
    key: 'id' | 'name' = 'id',
  ) => (list ?? []).map((e) => `${kind} ${e[key]}`);
  return [
    ...ids(g.budgets, 'budget'),
    ...ids(g.rateLimits, 'rate_limit'),
    ...ids(g.customers, 'customer'),
    ...ids(g.teams, 'team'),
    ...Object.keys(doc.providers).map((p) => `provider ${p}`),
    ...Object.entries(doc.providers).flatMap(([p, c]) => c.keys.map((k) => `provider_key ${p}/${k.name}`)),
    ...ids(g.virtualKeys, 'virtual_key'),
    ...ids(g.modelConfigs, 'model_config'),
    ...ids(g.providers, 'provider_governance', 'name'),
    ...ids(g.routingRules, 'routing_rule'),
  ].sort();
}

describe('heimdall plan / apply / export / drift', () => {
  let cp: TestControlPlane;
  let endpoint: string;
  let dir: string;
  const run = (args: string[], options: Parameters<typeof cli>[1] = {}) =>
    cli([...args, '--endpoint', endpoint], { cwd: dir, ...options });
  const planJson = async (file: string, ...flags: string[]) => {
    const result = await run(['plan', '-f', file, '--output', 'json', ...flags]);
    return { code: result.code, plan: JSON.parse(result.stdout) as JsonPlan };
  };
  const edited = (name: string, edit: (text: string) => string) => {
    writeFileSync(join(dir, name), edit(fixtureText));
    return name;
  };

  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite');
    endpoint = (await cp.listen()).url.replace(/\/graphql$/, '');
    dir = scratchDir();
    writeFileSync(join(dir, 'config.yaml'), fixtureText);
  });
  afterAll(() => cp?.close());

  it('plan on an empty gateway lists every entity of the example as create (exit 2), secrets as (sensitive)', async () => {
    const { code, plan } = await planJson('config.yaml');
    expect(code).toBe(2);
    expect(plan.changes.every((c) => c.action === 'create')).toBe(true);
    expect(plan.changes.map((c) => `${c.kind} ${c.id}`).sort()).toEqual(fixtureEntities());
    const text = await run(['plan', '-f', 'config.yaml']);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('+ virtual_key vk-openai-prod');
    expect(text.stdout).toContain('value: (sensitive)');
    expect(text.stdout).toMatch(/Plan: 33 to create, 0 to update, 0 to delete/);
    expect(text.stdout).not.toContain('\u001b['); // not a terminal: no colours
    for (const secret of SECRETS) expect(text.stdout + JSON.stringify(plan)).not.toContain(secret);
    const tty = await run(['plan', '-f', 'config.yaml'], { tty: true });
    expect(tty.stdout).toContain('\u001b[32m');
  });

  it('apply refuses without a terminal unless --auto-approve, and cancels on anything but "yes"', async () => {
    const refused = await run(['apply', '-f', 'config.yaml']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--auto-approve');
    const declined = await run(['apply', '-f', 'config.yaml'], { tty: true, answers: ['no'] });
    expect(declined.code).toBe(1);
    expect(declined.stdout).toContain('Apply cancelled.');
    expect((await planJson('config.yaml')).plan.changes).toHaveLength(33); // nothing written
  });

  it('apply (confirmed with "yes") then plan exits 0', async () => {
    const applied = await run(['apply', '-f', 'config.yaml'], { tty: true, answers: ['yes'] });
    expect(applied.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- a terminal run: strip the colours
    expect(applied.stdout.replace(/\u001b\[\d+m/g, '')).toMatch(
      /Apply complete! 33 created, 0 updated, 0 deleted/,
    );
    const again = await run(['plan', '-f', 'config.yaml']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });

  it('editing one field in the file shows exactly that field', async () => {
    const file = edited('one-field.yaml', (t) => t.replace('max_limit: 50 # $50 per month', 'max_limit: 75'));
    const { code, plan } = await planJson(file);
    expect(code).toBe(2);
    expect(plan.changes).toEqual([
      {
        kind: 'budget',
        id: 'budget-dev',
        action: 'update',
        changes: [{ path: 'max_limit', before: 50, after: 75 }],
      },
    ]);
    const text = await run(['plan', '-f', file]);
    expect(text.stdout).toContain('~ budget budget-dev');
    expect(text.stdout).toContain('~ max_limit: 50 → 75');
  });

  it('--prune deletes what the file no longer has, and not without it', async () => {
    const file = edited('pruned.yaml', (t) => t.replace(/ {4}- id: model-claude\n( {6}.*\n)+/, ''));
    expect((await planJson(file)).code).toBe(0);
    expect((await run(['apply', '-f', file, '--auto-approve'])).code).toBe(0);
    const kept = await cp.ok<{ modelConfigs: { totalCount: number } }>('{ modelConfigs { totalCount } }');
    expect(kept.modelConfigs.totalCount).toBe(2);

    const { code, plan } = await planJson(file, '--prune');
    expect(code).toBe(2);
    expect(plan.changes).toEqual([
      { kind: 'model_config', id: 'model-claude', action: 'delete', changes: [] },
    ]);
    const pruned = await run(['apply', '-f', file, '--prune', '--auto-approve']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('0 created, 0 updated, 1 deleted');
    const left = await cp.ok<{ modelConfigs: { totalCount: number } }>('{ modelConfigs { totalCount } }');
    expect(left.modelConfigs.totalCount).toBe(1);
    expect((await run(['apply', '-f', 'config.yaml', '--auto-approve'])).code).toBe(0); // back to the fixture
  });

  it('drift reports a GraphQL mutation made after the apply (exit 2), and nothing before (exit 0)', async () => {
    expect((await run(['apply', '-f', 'config.yaml', '--auto-approve'])).code).toBe(0);
    const clean = await run(['drift']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('No drift');

    await cp.ok('mutation { updateBudget(id: "budget-testing", patch: { maxLimit: 12 }) { __typename } }');
    await cp.ok(
      'mutation { createBudget(input: { id: "budget-adhoc", maxLimit: 1, resetDuration: "1d" }) { __typename } }',
    );
    const drifted = await run(['drift', '--output', 'json']);
    expect(drifted.code).toBe(2);
    const report = JSON.parse(drifted.stdout) as JsonPlan & { drifted: boolean };
    expect(report.drifted).toBe(true);
    expect(report.changes).toEqual([
      {
        kind: 'budget',
        id: 'budget-testing',
        action: 'update',
        changes: [{ path: 'max_limit', before: 12, after: 10 }],
      },
      { kind: 'budget', id: 'budget-adhoc', action: 'delete', changes: [] },
    ]);
    const text = await run(['drift']);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('~ max_limit: 10 (applied) → 12 (now)');
    expect(text.stdout).toContain('+ budget budget-adhoc (added outside the file)');
  });

  it('export writes the live config in the file shape, secrets masked, and it plans as no change', async () => {
    const exported = await run(['export', '-o', 'live.yaml', '--secrets', 'masked']);
    expect(exported.code).toBe(0);
    const text = readFileSync(join(dir, 'live.yaml'), 'utf8');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(parse(text)).toHaveProperty('governance.budgets');
    expect((await run(['plan', '-f', 'live.yaml'])).code).toBe(0);
    const json = await run(['export', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toHaveProperty('providers.openai');
  });

  it('names file, line and field for what the server refuses', async () => {
    const file = edited('invalid.yaml', (t) =>
      t.replace('budget_id: budget-testing', 'budget_id: budget-nowhere'),
    );
    const line = fixtureText.split('\n').findIndex((l) => l.includes('budget_id: budget-testing')) + 1;
    const result = await run(['plan', '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^Error: invalid\\.yaml:${line}:\\d+: governance\\.virtual_keys\\[4\\]\\.budget_id: `, 'm'),
    );
    const broken = edited('broken.yaml', (t) => t.replace('  budgets:\n', '  budgets: [\n'));
    const syntax = await run(['plan', '-f', broken]);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/^Error: broken\.yaml:\d+:\d+: /m);
  });
});
