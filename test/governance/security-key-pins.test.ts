/**
 * Issue 11, High 1: a virtual key's `key_ids` pin holds against every way of naming a key.
 * `x-bf-api-key` may only choose among the pinned keys (403 `key_not_allowed` otherwise), a
 * routing rule's `key_id` is intersected with the pin (403 when the intersection is empty), and
 * `/anthropic/v1/messages/count_tokens` honours the same pins as inference. End to end against
 * a running gateway with loopback providers that record which credential reached them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicMock, type AnthropicMock } from '../mocks/anthropic-mock.ts';
import { post, startStack, type Reply, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const PINNED_VK = 'sk-bf-security-pinned-to-k-a-0001';
const BOTH_VK = 'sk-bf-security-pinned-to-both-0002';

function config(openaiUrl: string, anthropicUrl: string) {
  const rule = (id: string, route: string, keyId: string) => ({
    id,
    name: id,
    cel_expression: `'x-route' in headers && headers['x-route'] == '${route}'`,
    targets: [{ provider: 'openai', model: '', weight: 1, key_id: keyId }],
    scope: 'global',
    priority: 0,
  });
  return {
    providers: {
      openai: {
        keys: [
          { name: 'k-a', value: 'sk-value-a', models: ['*'] },
          { name: 'k-b', value: 'sk-value-b', models: ['*'] },
        ],
        network_config: { base_url: openaiUrl },
      },
      anthropic: {
        keys: [
          { name: 'an-a', value: 'sk-ant-value-a', models: ['*'] },
          { name: 'an-b', value: 'sk-ant-value-b', models: ['*'] },
        ],
        network_config: { base_url: anthropicUrl },
      },
    },
    governance: {
      virtual_keys: [
        {
          id: 'vk-pinned',
          name: 'Pinned',
          value: PINNED_VK,
          provider_configs: [
            { provider: 'openai', weight: 1, key_ids: ['k-a'] },
            { provider: 'anthropic', weight: 1, key_ids: ['an-a'] },
          ],
        },
        {
          id: 'vk-both',
          name: 'Both',
          value: BOTH_VK,
          provider_configs: [{ provider: 'openai', weight: 1, key_ids: ['k-a', 'k-b'] }],
        },
      ],
      routing_rules: [rule('rule-to-b', 'to-b', 'k-b'), rule('rule-to-a', 'to-a', 'k-a')],
    },
  };
}

let openai: UsageMock;
let anthropic: AnthropicMock;
let stack: Stack;

beforeAll(async () => {
  openai = await startUsageMock();
  anthropic = await startAnthropicMock();
  stack = await startStack(config(openai.url, anthropic.url));
});

afterAll(async () => {
  await stack?.close();
  await openai?.close();
  await anthropic?.close();
});

const chat = (vk: string, headers: Record<string, string> = {}) =>
  post(
    stack.url,
    { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    { 'x-bf-vk': vk, ...headers },
  );

function expectKeyNotAllowed(reply: Reply): void {
  expect(reply.status, reply.text).toBe(403);
  expect(reply.body.error).toMatchObject({ type: 'permission_error', code: 'key_not_allowed' });
}

/** The credentials the openai mock saw during `run`. */
async function openaiAuthDuring(run: () => Promise<Reply>): Promise<{ reply: Reply; auth: string[] }> {
  openai.seen.length = 0;
  const reply = await run();
  return { reply, auth: openai.seen.map((s) => s.auth ?? '') };
}

describe('x-bf-api-key within a virtual key pin', () => {
  it('naming a key outside the pin is 403 key_not_allowed and reaches no provider', async () => {
    const { reply, auth } = await openaiAuthDuring(() => chat(PINNED_VK, { 'x-bf-api-key': 'k-b' }));
    expectKeyNotAllowed(reply);
    expect(reply.body.error).toMatchObject({ param: 'x-bf-api-key' });
    expect(auth).toEqual([]);
  });

  it('naming a key that does not exist is the same 403 (no probing for key names)', async () => {
    expectKeyNotAllowed(await chat(PINNED_VK, { 'x-bf-api-key': 'no-such-key' }));
  });

  it('naming the pinned key is served with it', async () => {
    const { reply, auth } = await openaiAuthDuring(() => chat(PINNED_VK, { 'x-bf-api-key': 'k-a' }));
    expect(reply.status, reply.text).toBe(200);
    expect(auth).toEqual(['Bearer sk-value-a']);
  });

  it('a key pinned to several keys lets the header choose among them', async () => {
    const { reply, auth } = await openaiAuthDuring(() => chat(BOTH_VK, { 'x-bf-api-key': 'k-b' }));
    expect(reply.status, reply.text).toBe(200);
    expect(auth).toEqual(['Bearer sk-value-b']);
  });
});

describe("a routing rule's key_id never widens the pin", () => {
  it('a rule pinning a key outside the virtual key pin is 403 key_not_allowed', async () => {
    const { reply, auth } = await openaiAuthDuring(() => chat(PINNED_VK, { 'x-route': 'to-b' }));
    expectKeyNotAllowed(reply);
    expect(auth).toEqual([]);
  });

  it('a rule pinning a key inside the pin uses it', async () => {
    const { reply, auth } = await openaiAuthDuring(() => chat(PINNED_VK, { 'x-route': 'to-a' }));
    expect(reply.status, reply.text).toBe(200);
    expect(auth).toEqual(['Bearer sk-value-a']);
  });

  it('the intersection narrows a wider pin to the rule key', async () => {
    for (let i = 0; i < 5; i++) {
      const { reply, auth } = await openaiAuthDuring(() => chat(BOTH_VK, { 'x-route': 'to-b' }));
      expect(reply.status, reply.text).toBe(200);
      expect(auth).toEqual(['Bearer sk-value-b']);
    }
  });

  it('x-bf-api-key cannot step outside a rule key either', async () => {
    expectKeyNotAllowed(await chat(BOTH_VK, { 'x-route': 'to-b', 'x-bf-api-key': 'k-a' }));
  });
});

describe('/anthropic/v1/messages/count_tokens honours the pins', () => {
  const count = async (headers: Record<string, string>) => {
    const response = await fetch(`${stack.url}/anthropic/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bf-vk': PINNED_VK, ...headers },
      body: JSON.stringify({
        model: 'anthropic/claude-3-5-haiku-20241022',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('uses the pinned key when none is named', async () => {
    for (let i = 0; i < 5; i++) {
      anthropic.reset();
      const reply = await count({});
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(anthropic.requests.map((r) => r.headers['x-api-key'])).toEqual(['sk-ant-value-a']);
    }
  });

  it('refuses a named key outside the pin with 403 (permission_error)', async () => {
    anthropic.reset();
    const reply = await count({ 'x-bf-api-key': 'an-b' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(403);
    // Anthropic's envelope has no code field: the type and the message say it.
    expect(reply.body).toMatchObject({
      type: 'error',
      error: { type: 'permission_error', message: expect.stringContaining('"an-b"') },
    });
    expect(anthropic.requests).toEqual([]);
  });
});
