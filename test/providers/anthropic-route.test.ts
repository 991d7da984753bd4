/**
 * Acceptance: the official `@anthropic-ai/sdk` pointed at Heimdall's `/anthropic` completes plain
 * and streamed messages against an Anthropic mock (pass-through) and an OpenAI mock (translated),
 * with the right text, stop reason and usage; plus tools through translation, count_tokens,
 * models, the Anthropic error envelope, and virtual keys (SDK key, `x-api-key`, `x-bf-vk`) checked by
 * the real governance hooks.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  ANTHROPIC_TEXT,
  ANTHROPIC_USAGE,
  anthropicError,
  startAnthropicMock,
  type AnthropicMock,
} from '../mocks/anthropic-mock.ts';
import { sendJson, sendSse, startHttpMock, type HttpMock } from '../mocks/http-mock.ts';
import { MOCK_TEXT, MOCK_USAGE, startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import {
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from '../gateway/harness.ts';

let anthropicMock: AnthropicMock;
let openaiMock: OpenAIMock;
let toolMock: HttpMock;
let gw: RunningGateway;
let sdk: Anthropic;
const seenKeys: Array<string | undefined> = [];

const toolCompletion = {
  id: 'chatcmpl-tool',
  object: 'chat.completion',
  created: 1,
  model: 'tool-model',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
          },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 30,
    completion_tokens: 9,
    total_tokens: 39,
    prompt_tokens_details: { cached_tokens: 20 },
  },
};

function toolChunks() {
  const base = { id: 'chatcmpl-tool', object: 'chat.completion.chunk', created: 1, model: 'tool-model' };
  const delta = (d: unknown, finish: string | null = null) =>
    [undefined, { ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] }] as const;
  return [
    delta({ role: 'assistant', content: 'Checking. ' }),
    delta({
      tool_calls: [
        { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
      ],
    }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    delta({}, 'tool_calls'),
    [undefined, { ...base, choices: [], usage: toolCompletion.usage }] as const,
    [undefined, '[DONE]'] as const,
  ];
}

beforeAll(async () => {
  anthropicMock = await startAnthropicMock();
  openaiMock = await startOpenAIMock();
  toolMock = await startHttpMock((request, res) =>
    request.body.stream === true ? sendSse(res, toolChunks()) : sendJson(res, 200, toolCompletion),
  );
  const snapshot = snapshotOf({
    providers: [
      provider('anthropic', anthropicMock.url, [
        key({ value: 'sk-ant-upstream', models: ['claude-3-7-sonnet-20250219'] }),
      ]),
      provider('openai', openaiMock.url, [key({ value: 'sk-openai', models: ['gpt-4o-mini'] })]),
      provider('tools', toolMock.url, [key({ value: 'sk-tools', models: ['tool-model'] })]),
    ],
    client: { enforce_auth_on_inference: true },
  });
  // Real governance: the SDK's key and raw x-api-key / x-bf-vk headers must name these virtual keys.
  snapshot.governance.virtual_keys = [
    vk('vk-client', 'sk-bf-client', true),
    vk('vk-raw', 'sk-bf-raw', true),
    vk('vk-off', 'sk-bf-revoked', false),
  ];
  gw = await startGateway(snapshot, {
    authenticate: (ctx) => {
      seenKeys.push((ctx.principal as { vk?: { id: string } } | undefined)?.vk?.id);
    },
  });
  sdk = new Anthropic({
    apiKey: 'sk-bf-client',
    baseURL: `${gw.url}/anthropic`,
    maxRetries: 0,
    timeout: 10_000,
  });
});
afterAll(async () => {
  await gw?.close();
  await Promise.all([anthropicMock?.close(), openaiMock?.close(), toolMock?.close()]);
});
beforeEach(() => {
  anthropicMock.reset();
  openaiMock.reset();
  toolMock.reset();
  seenKeys.length = 0;
});

function vk(id: string, value: string, active: boolean) {
  const valueHash = createHash('sha256').update(value).digest('hex');
  return { id, name: id, valueHash, is_active: active, provider_configs: [] };
}

const ask = { max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello' }] };

describe('Anthropic SDK → /anthropic → Anthropic (pass-through)', () => {
  it('completes a message: body sent as it came, answer verbatim, the client key never forwarded', async () => {
    const message = await sdk.messages.create(
      {
        model: 'anthropic/claude-3-7-sonnet-20250219',
        ...ask,
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
        metadata: { user_id: 'u-1' },
      },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    );
    expect(message.content).toEqual([{ type: 'text', text: ANTHROPIC_TEXT }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject(ANTHROPIC_USAGE);
    const sent = anthropicMock.requests[0]!;
    expect(sent.body).toEqual({
      model: 'claude-3-7-sonnet-20250219',
      ...ask,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      metadata: { user_id: 'u-1' },
    });
    expect(sent.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(sent.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(seenKeys).toEqual(['vk-client']);
  });

  it('streams a message: events passed through, final text, stop reason and usage', async () => {
    const stream = sdk.messages.stream({ model: 'anthropic/claude-3-7-sonnet-20250219', ...ask });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: ANTHROPIC_TEXT }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject(ANTHROPIC_USAGE);
    expect(types.at(-1)).toBe('message_stop');
    // Raw: the provider's events, ping included, byte for byte in order.
    const raw = await postJson(
      `${gw.url}/anthropic/v1/messages`,
      { model: 'anthropic/claude-3-7-sonnet-20250219', ...ask, stream: true },
      { 'x-api-key': 'sk-bf-raw' },
    );
    expect(raw.text.startsWith('event: message_start\n')).toBe(true);
    expect(raw.text).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(raw.text.trim().endsWith('event: message_stop\ndata: {"type":"message_stop"}')).toBe(true);
    expect(seenKeys.at(-1)).toBe('vk-raw');
  });

  it('counts tokens at Anthropic', async () => {
    const count = await sdk.messages.countTokens({
      model: 'anthropic/claude-3-7-sonnet-20250219',
      messages: ask.messages,
    });
    expect(count.input_tokens).toBe(2095);
    expect(anthropicMock.requests[0]!.path).toBe('/v1/messages/count_tokens');
    expect(anthropicMock.requests[0]!.body).toEqual({
      model: 'claude-3-7-sonnet-20250219',
      messages: ask.messages,
    });
  });

  it('reports Anthropic errors with their status and type', async () => {
    anthropicMock.fail({ status: 529, body: anthropicError('overloaded_error', 'Overloaded') });
    const error = await sdk.messages
      .create({ model: 'anthropic/claude-3-7-sonnet-20250219', ...ask })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((error as { error: unknown }).error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error' },
    });
  });
});

describe('Anthropic SDK → /anthropic → OpenAI (translated)', () => {
  it('completes a message with text, end_turn and usage', async () => {
    const message = await sdk.messages.create({
      model: 'openai/gpt-4o-mini',
      ...ask,
      system: 'Be brief.',
      stop_sequences: ['END'],
    });
    expect(message.content).toEqual([{ type: 'text', text: MOCK_TEXT }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({
      input_tokens: MOCK_USAGE.prompt_tokens,
      output_tokens: MOCK_USAGE.completion_tokens,
    });
    expect(openaiMock.requests[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 256,
      stop: ['END'],
    });
    expect(openaiMock.requests[0]!.headers.authorization).toBe('Bearer sk-openai');
  });

  it('streams a message with the exact text, stop reason and usage', async () => {
    const stream = sdk.messages.stream({ model: 'openai/gpt-4o-mini', ...ask });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: MOCK_TEXT }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({
      input_tokens: MOCK_USAGE.prompt_tokens,
      output_tokens: MOCK_USAGE.completion_tokens,
    });
    expect(openaiMock.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  it('translates tools, tool_use answers (plain and streamed) and tool results', async () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather',
        input_schema: { type: 'object' as const, properties: {} },
      },
    ];
    const message = await sdk.messages.create({
      model: 'tools/tool-model',
      ...ask,
      tools,
      tool_choice: { type: 'any' },
    });
    expect(toolMock.requests[0]!.body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather', parameters: tools[0]!.input_schema },
      },
    ]);
    expect(toolMock.requests[0]!.body.tool_choice).toBe('required');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
    ]);
    expect(message.usage).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 9 });

    const streamed = await sdk.messages.stream({ model: 'tools/tool-model', ...ask, tools }).finalMessage();
    expect(streamed.content).toEqual([
      { type: 'text', text: 'Checking. ' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
    ]);
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.usage).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 9 });

    await sdk.messages.create({
      model: 'tools/tool-model',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18 degrees' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(toolMock.requests[2]!.body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18 degrees' },
      {
        role: 'user',
        content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }],
      },
    ]);
  });

  it('estimates count_tokens for other providers', async () => {
    const response = await postJson(
      `${gw.url}/anthropic/v1/messages/count_tokens`,
      {
        model: 'openai/gpt-4o-mini',
        messages: ask.messages,
      },
      { 'x-bf-vk': 'sk-bf-client' },
    );
    expect(response.status).toBe(200);
    expect(response.body.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-heimdall-token-count')).toBe('estimated');
  });
});

describe('the /anthropic envelope and listing', () => {
  it('answers errors in Anthropic’s envelope: bad input, unknown model, refused virtual key', async () => {
    const missing = await postJson(
      `${gw.url}/anthropic/v1/messages`,
      {
        model: 'openai/gpt-4o-mini',
        max_tokens: 5,
      },
      { 'x-api-key': 'sk-bf-client' },
    );
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const unknown = await sdk.messages.create({ model: 'nobody/none', ...ask }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.BadRequestError);
    const refused = await postJson(
      `${gw.url}/anthropic/v1/messages`,
      { model: 'openai/gpt-4o-mini', ...ask },
      { 'x-bf-vk': 'sk-bf-revoked' },
    );
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      type: 'error',
      error: { type: 'permission_error', message: 'virtual key is not active' },
    });
    const anonymous = await postJson(`${gw.url}/anthropic/v1/messages`, {
      model: 'openai/gpt-4o-mini',
      ...ask,
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('lists models in Anthropic’s format', async () => {
    const page = await sdk.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toContain('openai/gpt-4o-mini');
    expect(page.data[0]).toMatchObject({ type: 'model', display_name: expect.any(String) });
  });
});
