/**
 * Routing rules that read only the key, model, provider and request type are evaluated once per
 * such combination (per snapshot); rules that read headers, query, body or usage are evaluated
 * on every request.
 */
import { describe, expect, it } from 'vitest';
import type { RoutingRuleSnapshot } from '../../clients/contract/snapshot.ts';
import { compileRules, matchRule } from '../../gateway/governance/rules.ts';

const rule = (id: string, cel_expression: string, priority = 0): RoutingRuleSnapshot => ({
  id,
  name: id,
  enabled: true,
  cel_expression,
  targets: [{ provider: 'groq', model: 'llama-3.3-70b-versatile', weight: 1 }],
  fallbacks: [],
  scope: 'global',
  priority,
});

const scopes = { virtualKeyId: 'vk-1', teamId: undefined, customerId: undefined };

function counted(vars: Record<string, unknown>) {
  const calls = { n: 0 };
  return { calls, context: () => (calls.n++, vars) };
}

describe('routing-rule memo', () => {
  it('evaluates a rule on key/model/provider/type once per combination', () => {
    const rules = compileRules([rule('gpt', "model.startsWith('gpt-') && virtual_key_id == 'vk-1'")]);
    const vars = { model: 'gpt-4o', virtual_key_id: 'vk-1' };
    const first = counted(vars);
    expect(matchRule(rules, scopes, ['vk-1', 'gpt-4o', 'openai', 'chat'], first.context)?.id).toBe('gpt');
    const second = counted(vars);
    expect(matchRule(rules, scopes, ['vk-1', 'gpt-4o', 'openai', 'chat'], second.context)?.id).toBe('gpt');
    expect(first.calls.n).toBe(1);
    expect(second.calls.n).toBe(0);
    const other = counted({ model: 'claude-3-5-haiku', virtual_key_id: 'vk-1' });
    expect(
      matchRule(rules, scopes, ['vk-1', 'claude-3-5-haiku', 'anthropic', 'chat'], other.context),
    ).toBeUndefined();
    expect(other.calls.n).toBe(1);
  });

  it.each([
    ["headers['x-tier'] == 'gold'", { headers: { 'x-tier': 'gold' } }, { headers: {} }],
    [
      'request_body.max_tokens > 4000',
      { request_body: { max_tokens: 5000 } },
      { request_body: { max_tokens: 10 } },
    ],
    ["params['tier'] == 'gold'", { params: { tier: 'gold' } }, { params: {} }],
    ['budget_used > 50.0', { budget_used: 80 }, { budget_used: 10 }],
    ['request > 50.0', { request: 80 }, { request: 10 }],
  ])('evaluates %s on every request', (expression, matching, other) => {
    const rules = compileRules([rule('dyn', expression)]);
    const key = ['vk-1', 'gpt-4o', 'openai', 'chat'];
    expect(matchRule(rules, scopes, key, () => matching)?.id).toBe('dyn');
    expect(matchRule(rules, scopes, key, () => other)).toBeUndefined();
    expect(matchRule(rules, scopes, key, () => matching)?.id).toBe('dyn');
  });

  it('keeps scope and priority order when answers come from the memo', () => {
    const rules = compileRules([
      rule('late', "model == 'gpt-4o'", 5),
      rule('early', "provider == 'openai'", 1),
      { ...rule('mine', "model == 'gpt-4o'"), scope: 'virtual_key', scope_id: 'vk-1', priority: 9 },
    ]);
    const vars = { model: 'gpt-4o', provider: 'openai' };
    for (let i = 0; i < 3; i++) {
      expect(matchRule(rules, scopes, ['k'], () => vars)?.id).toBe('mine');
      expect(matchRule(rules, { ...scopes, virtualKeyId: 'vk-2' }, ['k2'], () => vars)?.id).toBe('early');
    }
  });
});
