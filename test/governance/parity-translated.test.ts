/**
 * Streamed = non-streamed charges for translating adapters, each against its own wire-format
 * mock (which reports the same usage in its JSON answer and in its stream's final event).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCohereMock } from '../mocks/cohere-mock.ts';
import { startGeminiMock } from '../mocks/gemini-mock.ts';
import type { HttpMock } from '../mocks/http-mock.ts';
import { chargeOf, startStack, type Stack } from './support/stack.ts';

let mocks: HttpMock[] = [];
let stack: Stack;

beforeAll(async () => {
  const [gemini, cohere] = await Promise.all([startGeminiMock(), startCohereMock()]);
  mocks = [gemini, cohere];
  const provider = (name: string, url: string) => ({
    keys: [{ name: `${name}-k`, value: `${name}-secret`, models: ['*'] }],
    network_config: { base_url: url },
  });
  stack = await startStack({
    providers: { gemini: provider('gemini', gemini.url), cohere: provider('cohere', cohere.url) },
    governance: {
      budgets: [{ id: 'parity', max_limit: 1000, reset_duration: '1d', mode: 'strict' }],
      virtual_keys: [
        { id: 'vk-parity', name: 'parity', value: 'vk-parity-secret-value-0001', budget_id: 'parity' },
      ],
    },
  });
});

afterAll(async () => {
  await stack?.close();
  await Promise.all(mocks.map((m) => m.close()));
});

describe('streamed requests are charged like non-streamed ones (translating adapters)', () => {
  it.each(['gemini/gemini-2.0-flash', 'cohere/command-a-03-2025'])('%s', async (model) => {
    const charges: number[] = [];
    for (const stream of [false, true]) {
      const body = { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 500, stream };
      charges.push((await chargeOf(stack, body, 'vk-parity-secret-value-0001', 'parity')).settled);
    }
    expect(charges[0]).toBeGreaterThan(0);
    expect(charges[1]).toBe(charges[0]);
  });
});
