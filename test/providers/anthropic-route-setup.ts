/**
 * Shared set-up of the `/anthropic` route tests: an Anthropic mock, an OpenAI mock, an
 * OpenAI-compatible mock that answers with tool calls, real governance with three virtual keys,
 * and the official `@anthropic-ai/sdk` pointed at the gateway's `/anthropic`.
 */
import Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { stateOf } from '../../gateway/governance/request-state.ts';
import { startAnthropicMock, type AnthropicMock } from '../mocks/anthropic-mock.ts';
import { sendJson, sendSse, startHttpMock, type HttpMock } from '../mocks/http-mock.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from '../gateway/harness.ts';

export interface RouteEnv {
  anthropicMock: AnthropicMock;
  openaiMock: OpenAIMock;
  toolMock: HttpMock;
  gw: RunningGateway;
  sdk: Anthropic;
  /** Virtual-key ids governance resolved, per request. */
  seenKeys: Array<string | undefined>;
}

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

export function useAnthropicRoute(): RouteEnv {
  const env = { seenKeys: [] as Array<string | undefined> } as RouteEnv;
  beforeAll(async () => {
    env.anthropicMock = await startAnthropicMock();
    env.openaiMock = await startOpenAIMock();
    env.toolMock = await startHttpMock((request, res) =>
      request.body.stream === true ? sendSse(res, toolChunks()) : sendJson(res, 200, toolCompletion),
    );
    const snapshot = snapshotOf({
      providers: [
        provider('anthropic', env.anthropicMock.url, [
          key({ value: 'sk-ant-upstream', models: ['claude-3-7-sonnet-20250219'] }),
        ]),
        provider('openai', env.openaiMock.url, [key({ value: 'sk-openai', models: ['gpt-4o-mini'] })]),
        provider('tools', env.toolMock.url, [key({ value: 'sk-tools', models: ['tool-model'] })]),
      ],
      client: { enforce_auth_on_inference: true },
    });
    // Real governance: the SDK's key and raw x-api-key / x-bf-vk headers must name these virtual keys.
    snapshot.governance.virtual_keys = [
      vk('vk-client', 'sk-bf-client', true),
      vk('vk-raw', 'sk-bf-raw', true),
      vk('vk-off', 'sk-bf-revoked', false),
    ];
    env.gw = await startGateway(snapshot, {
      authenticate: (ctx) => {
        env.seenKeys.push(stateOf(ctx).principal?.vk.id);
      },
    });
    env.sdk = new Anthropic({
      apiKey: 'sk-bf-client',
      baseURL: `${env.gw.url}/anthropic`,
      maxRetries: 0,
      timeout: 10_000,
    });
  });
  afterAll(async () => {
    await env.gw?.close();
    await Promise.all([env.anthropicMock?.close(), env.openaiMock?.close(), env.toolMock?.close()]);
  });
  beforeEach(() => {
    env.anthropicMock.reset();
    env.openaiMock.reset();
    env.toolMock.reset();
    env.seenKeys.length = 0;
  });
  return env;
}

export function vk(id: string, value: string, active: boolean) {
  const valueHash = createHash('sha256').update(value).digest('hex');
  return { id, name: id, valueHash, is_active: active, provider_configs: [] };
}

export const ask = { max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello' }] };
