/**
 * Issue 11, Medium 10: CEL `matches()` is RE2 (linear time, RE2 syntax) and bounded per
 * request. A tenant-controlled header against `^(a+)+$` used to backtrack for minutes inside
 * JavaScript's RegExp, freezing every request; now it is answered at once. Patterns RE2 refuses
 * (lookaround, backreferences) and nested comprehensions are refused when a rule is saved, both
 * through the gateway's checker and through GraphQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATCH_BUDGET_CHARS } from '../../gateway/governance/cel-regex.ts';
import { compileRules, matchRule } from '../../gateway/governance/rules.ts';
import { checkCelExpression } from '../../gateway/create-gateway.ts';
import { createTestControlPlane, type TestControlPlane } from '../graphql/harness.ts';
import { post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const VK = 'sk-bf-security-cel-regex-0001';
const CATASTROPHIC = 'headers["x-name"].matches("^(a+)+$")';
/** 2^40 backtracking steps for a backtracking engine; a handful of DFA steps for RE2. */
const HOSTILE = `${'a'.repeat(40)}!`;

function config(mockUrl: string) {
  const network = { network_config: { base_url: mockUrl } };
  return {
    providers: {
      openai: { keys: [{ name: 'oa', value: 'sk-oa', models: ['*'] }], ...network },
      groq: { keys: [{ name: 'gq', value: 'gsk', models: ['*'] }], ...network },
    },
    governance: {
      virtual_keys: [{ id: 'vk-cel', name: 'Cel', value: VK }],
      routing_rules: [
        {
          id: 'rule-a-run',
          name: 'runs of a → groq',
          cel_expression: CATASTROPHIC,
          targets: [{ provider: 'groq', model: '', weight: 1 }],
          scope: 'global',
          priority: 0,
        },
      ],
    },
  };
}

const SCOPES = { virtualKeyId: undefined, teamId: undefined, customerId: undefined };
function ruleMatches(expression: string, vars: Record<string, unknown>): boolean {
  const rules = compileRules([
    {
      id: 'r',
      name: 'r',
      enabled: true,
      cel_expression: expression,
      targets: [],
      fallbacks: [],
      scope: 'global',
      priority: 0,
    },
  ]);
  return matchRule(rules, SCOPES, [`memo-${Math.random()}`], () => vars) !== undefined;
}

describe('CEL matches() on RE2 through a running gateway', () => {
  let mock: UsageMock;
  let stack: Stack;
  beforeAll(async () => {
    mock = await startUsageMock();
    stack = await startStack(config(mock.url));
  });
  afterAll(async () => {
    await stack?.close();
    await mock?.close();
  });

  const ask = (name: string) =>
    post(
      stack.url,
      { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      { 'x-bf-vk': VK, 'x-name': name },
    );

  it('a catastrophic-backtracking input is answered (no match) instead of freezing the process', async () => {
    const reply = await ask(HOSTILE);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('x-heimdall-provider')).toBe('openai');
  });

  it('the same rule still matches what it should', async () => {
    const reply = await ask('aaaa');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('x-heimdall-provider')).toBe('groq');
  });
});

describe('CEL matches() semantics and bounds', () => {
  it('matches anywhere unless anchored (RE2 PartialMatch), with RE2 syntax', () => {
    expect(ruleMatches('model.matches("4o")', { model: 'gpt-4o-mini' })).toBe(true);
    expect(ruleMatches('model.matches("^4o")', { model: 'gpt-4o-mini' })).toBe(false);
    expect(ruleMatches('model.matches("(?i)^GPT-[[:digit:]]")', { model: 'gpt-4o' })).toBe(true);
  });

  it('a pattern computed from the request that RE2 refuses is no match, not an error', () => {
    const expression = 'headers["x-a"].matches(headers["x-b"])';
    expect(ruleMatches(expression, { headers: { 'x-a': 'ab', 'x-b': 'a(?=b)' } })).toBe(false);
    expect(ruleMatches(expression, { headers: { 'x-a': 'ab', 'x-b': 'a(b)' } })).toBe(true);
    expect(ruleMatches(expression, { headers: { 'x-a': 'ab', 'x-b': 'a'.repeat(1_001) } })).toBe(false);
  });

  it('scanning more than the per-request budget makes the rule not match', () => {
    const long = 'a'.repeat(MATCH_BUDGET_CHARS + 1);
    expect(ruleMatches('headers["x"].matches("a")', { headers: { x: long } })).toBe(false);
    expect(ruleMatches('headers["x"].matches("a")', { headers: { x: 'a'.repeat(1_000) } })).toBe(true);
  });

  it('refuses at save time a literal pattern RE2 cannot run, with its position', () => {
    expect(checkCelExpression('model.matches("^gpt-(?=4)")')).toMatchObject({
      message: expect.stringContaining('invalid RE2 pattern'),
      position: 14,
    });
    expect(checkCelExpression('model.matches("(a)\\\\1")')?.message).toContain('RE2');
    expect(checkCelExpression('model.matches("^gpt-4")')).toBeUndefined();
    expect(checkCelExpression('model.matches(1)')?.message).toContain("'string.matches(int)'");
  });

  it('refuses a comprehension nested in another (quadratic in the body)', () => {
    const nested = 'request_body.messages.exists(m, request_body.messages.all(n, n == m))';
    expect(checkCelExpression(nested)?.message).toContain('inside another comprehension');
    const chained = 'request_body.messages.map(m, m.role).exists(r, r.matches("^sys"))';
    expect(checkCelExpression(chained)).toBeUndefined();
  });
});

describe('saving a routing rule through GraphQL', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite');
  });
  afterAll(() => cp?.close());

  it('a lookahead pattern is a CelExpressionError naming the field', async () => {
    const data = await cp.ok<{ upsertRoutingRule: Record<string, unknown> }>(
      `mutation($input: RoutingRuleInput!) { upsertRoutingRule(input: $input) {
        __typename ... on CelExpressionError { code path summary offset } } }`,
      {
        input: {
          id: 'rule-lookahead',
          name: 'lookahead',
          celExpression: 'model.matches("^gpt-(?!3)")',
          targets: [{ provider: 'openai', model: '', weight: 1 }],
        },
      },
    );
    expect(data.upsertRoutingRule).toMatchObject({
      __typename: 'CelExpressionError',
      path: expect.stringContaining('celExpression'),
      summary: expect.stringContaining('invalid RE2 pattern'),
      offset: 14,
    });
  });
});
