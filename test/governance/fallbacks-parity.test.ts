/**
 * The client's `fallbacks` are read by one parser whoever plans the targets: a malformed entry
 * is the same 400 with governance planning the request (a routing rule, a virtual key's
 * weighted providers) as without governance. It used to be dropped silently under governance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

function config(mockUrl: string, governance: boolean) {
  const network = { network_config: { base_url: mockUrl } };
  return {
    plugins: [{ name: 'governance', enabled: governance }],
    providers: {
      openai: { keys: [{ name: 'oa', value: 'sk-oa', models: ['gpt-4o'] }], ...network },
      groq: { keys: [{ name: 'gq', value: 'gsk', models: ['llama'] }], ...network },
    },
    governance: {
      virtual_keys: [
        {
          id: 'vk-weighted',
          name: 'Weighted',
          value: 'vk-weighted-secret-value-01',
          provider_configs: [{ provider: 'openai', allowed_models: ['gpt-4o'], weight: 1 }],
        },
        { id: 'vk-plain', name: 'Plain', value: 'vk-plain-secret-value-0001' },
      ],
      routing_rules: [
        {
          id: 'rule-llama',
          name: 'llama to groq',
          cel_expression: "model == 'llama'",
          targets: [{ provider: 'groq', model: '', weight: 1 }],
          scope: 'global',
          priority: 0,
        },
      ],
    },
  };
}

let mock: UsageMock;
let governed: Stack;
let ungoverned: Stack;

beforeAll(async () => {
  mock = await startUsageMock();
  governed = await startStack(config(mock.url, true));
  ungoverned = await startStack(config(mock.url, false));
});

afterAll(async () => {
  await governed?.close();
  await ungoverned?.close();
  await mock?.close();
});

const MALFORMED = [42, { provider: 'openai' }, '', null];

async function answers(stack: Stack, vk: string, model: string, fallback: unknown) {
  const reply = await post(
    stack.url,
    { model, messages: [{ role: 'user', content: 'hi' }], fallbacks: ['openai/gpt-4o', fallback] },
    { 'x-bf-vk': vk },
  );
  return { status: reply.status, body: reply.body };
}

describe('a malformed fallbacks entry', () => {
  it('is the same 400 under a routing rule as without governance', async () => {
    for (const entry of MALFORMED) {
      const expected = await answers(ungoverned, 'vk-plain-secret-value-0001', 'llama', entry);
      expect(expected.status).toBe(400);
      expect(expected.body).toMatchObject({ error: { code: 'invalid_fallback', param: 'fallbacks[1]' } });
      expect(await answers(governed, 'vk-plain-secret-value-0001', 'llama', entry)).toEqual(expected);
    }
  });

  it("is the same 400 under a virtual key's weighted providers as without governance", async () => {
    for (const entry of MALFORMED) {
      const expected = await answers(ungoverned, 'vk-weighted-secret-value-01', 'gpt-4o', entry);
      expect(expected.status).toBe(400);
      expect(await answers(governed, 'vk-weighted-secret-value-01', 'gpt-4o', entry)).toEqual(expected);
    }
  });
});
