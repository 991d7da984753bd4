/**
 * Acceptance: the official `@anthropic-ai/sdk` pointed at Heimdall's `/anthropic` with a model of
 * another provider: requests translated to the canonical format and answers (plain and streamed)
 * translated back with the right text, stop reason and usage; tools, tool results and images;
 * estimated count_tokens.
 */
import { describe, expect, it } from 'vitest';
import { MOCK_TEXT, MOCK_USAGE } from '../mocks/openai-mock.ts';
import { postJson } from '../gateway/harness.ts';
import { ask, useAnthropicRoute } from './anthropic-route-setup.ts';

const env = useAnthropicRoute();

describe('Anthropic SDK → /anthropic → OpenAI (translated)', () => {
  it('completes a message with text, end_turn and usage', async () => {
    const message = await env.sdk.messages.create({
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
    expect(env.openaiMock.requests[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 256,
      stop: ['END'],
    });
    expect(env.openaiMock.requests[0]!.headers.authorization).toBe('Bearer sk-openai');
  });

  it('streams a message with the exact text, stop reason and usage', async () => {
    const stream = env.sdk.messages.stream({ model: 'openai/gpt-4o-mini', ...ask });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: MOCK_TEXT }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({
      input_tokens: MOCK_USAGE.prompt_tokens,
      output_tokens: MOCK_USAGE.completion_tokens,
    });
    expect(env.openaiMock.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  it('translates tools, tool_use answers (plain and streamed) and tool results', async () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather',
        input_schema: { type: 'object' as const, properties: {} },
      },
    ];
    const message = await env.sdk.messages.create({
      model: 'tools/tool-model',
      ...ask,
      tools,
      tool_choice: { type: 'any' },
    });
    expect(env.toolMock.requests[0]!.body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather', parameters: tools[0]!.input_schema },
      },
    ]);
    expect(env.toolMock.requests[0]!.body.tool_choice).toBe('required');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
    ]);
    expect(message.usage).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 9 });

    const streamed = await env.sdk.messages
      .stream({ model: 'tools/tool-model', ...ask, tools })
      .finalMessage();
    expect(streamed.content).toEqual([
      { type: 'text', text: 'Checking. ' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
    ]);
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.usage).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 9 });

    await env.sdk.messages.create({
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
    expect(env.toolMock.requests[2]!.body.messages).toEqual([
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
      `${env.gw.url}/anthropic/v1/messages/count_tokens`,
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
