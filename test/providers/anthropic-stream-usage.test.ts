/**
 * A stream on the `/anthropic` route served by an OpenAI-format provider (usage
 * only at the end) starts with an input estimate in `message_start` rather than 0, ends with the
 * real input, output and cache counts in `message_delta.usage`, and the official
 * `@anthropic-ai/sdk`'s `finalMessage().usage` carries the real counts. A provider that never
 * reports usage gets the estimate Heimdall charges in `message_delta` instead, input and output,
 * for a prompt counted at once and for one large enough to be counted in slices.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSse, startHttpMock, type HttpMock } from '../mocks/http-mock.ts';
import type { Usage } from '../../gateway/core/types.ts';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from '../gateway/harness.ts';

const USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 7,
  total_tokens: 1207,
  prompt_tokens_details: { cached_tokens: 1000 },
};

/** OpenAI-format chunks; `withUsage` false is a provider that never reports usage. */
function chunks(withUsage: boolean) {
  const base = { id: 'chatcmpl-u', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };
  const delta = (d: unknown, finish: string | null = null) =>
    [undefined, { ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] }] as const;
  return [
    delta({ role: 'assistant', content: 'Hi ' }),
    delta({ content: 'there.' }),
    delta({}, 'stop'),
    ...(withUsage ? [[undefined, { ...base, choices: [], usage: USAGE }] as const] : []),
    [undefined, '[DONE]'] as const,
  ];
}

const prompt = 'Summarise the following paragraph in one sentence. '.repeat(40);
const request = { max_tokens: 100, messages: [{ role: 'user' as const, content: prompt }] };

let mock: HttpMock;
let gw: RunningGateway;
let sdk: Anthropic;
/** The usage each finished request was charged, in order. */
const charged: (Usage | undefined)[] = [];

beforeAll(async () => {
  mock = await startHttpMock((recorded, res) =>
    sendSse(res, chunks(!String(recorded.body.model).includes('silent'))),
  );
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('openai', mock.url, [
          key({ value: 'sk-openai', models: ['gpt-4o', 'silent', 'gpt-4o-silent'] }),
        ]),
      ],
    }),
    { onRequestFinished: (_ctx, log) => void charged.push(log.usage) },
  );
  sdk = new Anthropic({ apiKey: 'unused', baseURL: `${gw.url}/anthropic`, maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
});

async function rawEvents(
  model: string,
  body: typeof request = request,
): Promise<Map<string, Record<string, unknown>>> {
  const response = await fetch(`${gw.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, stream: true, ...body }),
  });
  const events = new Map<string, Record<string, unknown>>();
  for (const block of (await response.text()).split('\n\n')) {
    const data = block.split('\n').find((line) => line.startsWith('data: '));
    if (data === undefined) continue;
    const event = JSON.parse(data.slice(6)) as Record<string, unknown>;
    events.set(String(event.type), event);
  }
  return events;
}

describe('translated Anthropic stream usage (OpenAI-format upstream)', () => {
  it('estimates input tokens in message_start and reports the real counts in message_delta', async () => {
    const events = await rawEvents('openai/gpt-4o');
    const start = (events.get('message_start')!.message as { usage: Record<string, number> }).usage;
    // About 400 tokens of prompt: an estimate, never the 0 an OpenAI upstream would leave.
    expect(start.input_tokens).toBeGreaterThan(100);
    expect(start.output_tokens).toBe(0);
    expect(events.get('message_delta')!.usage).toEqual({
      input_tokens: 200,
      output_tokens: 7,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 1000,
    });
  });

  it('gives the anthropic SDK the real counts in finalMessage().usage', async () => {
    const stream = sdk.messages.stream({ model: 'openai/gpt-4o', ...request });
    let startInput = -1;
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') startInput = event.message.usage.input_tokens;
    });
    const final = await stream.finalMessage();
    expect(startInput).toBeGreaterThan(100);
    expect(final.content).toEqual([{ type: 'text', text: 'Hi there.' }]);
    expect(final.usage).toMatchObject({
      input_tokens: 200,
      output_tokens: 7,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 0,
    });
  });

  /** message_delta's usage as the charge it must state. */
  const stated = (usage: Usage | undefined) => ({
    input_tokens: usage!.inputTokens,
    output_tokens: usage!.outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  });

  it('states the charged estimate in message_delta when the provider never reports usage', async () => {
    const events = await rawEvents('openai/silent');
    const usage = charged.at(-1);
    expect(usage).toMatchObject({ estimated: true });
    expect(usage!.outputTokens).toBeGreaterThan(0);
    expect(events.get('message_delta')!.usage).toEqual(stated(usage));
    const final = await sdk.messages.stream({ model: 'openai/silent', ...request }).finalMessage();
    expect(final.usage).toMatchObject(stated(charged.at(-1)));
    expect(final.usage.input_tokens).toBeGreaterThan(100);
  });

  it('states it for a large prompt too, counted in slices, where message_start had characters ÷ 4', async () => {
    const large = {
      ...request,
      messages: [{ role: 'user' as const, content: 'Budgets, keys and teams. '.repeat(3_000) }],
    };
    const events = await rawEvents('openai/gpt-4o-silent', large);
    const start = (events.get('message_start')!.message as { usage: Record<string, number> }).usage;
    const usage = charged.at(-1);
    expect(usage).toMatchObject({ estimated: true });
    // 75 KB of prompt: message_start shows characters ÷ 4, the charge is the tokenizer's count.
    expect(start.input_tokens).not.toBe(usage!.inputTokens);
    expect(events.get('message_delta')!.usage).toEqual(stated(usage));
    expect(events.has('message_stop')).toBe(true);
  });
});
