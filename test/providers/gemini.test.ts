/**
 * The Gemini adapter (AI Studio): request shape at a loopback Gemini mock, text, thoughts,
 * function calling both ways, images, embeddings, safety blocks as finish reasons, usage with
 * cached and thinking tokens, streams (and truncated streams), Google's error body.
 */
import { describe, expect, it } from 'vitest';
import { FUNCTION_CALL, GEMINI_TEXT, googleError, startGeminiMock } from '../mocks/gemini-mock.ts';
import { chatBody, errorOf, key, postJson, provider } from '../gateway/harness.ts';
import { gatewayOverMock } from './provider-suite.ts';

const f = gatewayOverMock(startGeminiMock, (mock) => [
  provider('gemini', mock.url, [key({ value: 'AIza-test' })]),
]);
const MODEL = 'gemini/gemini-2.0-flash';

const USAGE = {
  prompt_tokens: 40,
  completion_tokens: 17,
  total_tokens: 57,
  prompt_tokens_details: { cached_tokens: 30 },
  completion_tokens_details: { reasoning_tokens: 5 },
};

describe('gemini adapter', () => {
  it('translates a plain chat: documented request, text, thoughts, usage', async () => {
    const response = await postJson(
      `${f.gw.url}/v1/chat/completions`,
      chatBody(MODEL, {
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'Write a story about a magic backpack.' },
        ],
        max_tokens: 100,
        temperature: 0.7,
        top_p: 0.9,
        stop: ['THE END'],
        reasoning_effort: 'low',
        response_format: {
          type: 'json_schema',
          json_schema: { name: 's', schema: { type: 'object', additionalProperties: false, properties: {} } },
        },
      }),
    );
    expect(response.status).toBe(200);
    const sent = f.mock.requests[0]!;
    expect(sent.url).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('AIza-test');
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Write a story about a magic backpack.' }] }],
      systemInstruction: { parts: [{ text: 'Be kind.' }] },
      generationConfig: {
        temperature: 0.7,
        topP: 0.9,
        maxOutputTokens: 100,
        stopSequences: ['THE END'],
        responseMimeType: 'application/json',
        responseSchema: { type: 'object', properties: {} },
        thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
      },
    });
    const choice = (
      response.body.choices as Array<{ message: Record<string, unknown>; finish_reason: string }>
    )[0]!;
    expect(choice.message).toMatchObject({ content: GEMINI_TEXT, reasoning_content: 'Let me think.' });
    expect(choice.finish_reason).toBe('stop');
    expect(response.body.usage).toEqual(USAGE);
    expect(f.settled[0]!.usage).toEqual({
      inputTokens: 40,
      outputTokens: 17,
      totalTokens: 57,
      cachedInputTokens: 30,
    });
  });

  it('streams text with the final usage; a stream cut before its finish reason is truncated', async () => {
    const stream = await f.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Story?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(f.mock.requests[0]!.url).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    expect(text).toBe(GEMINI_TEXT);
    expect(finish).toBe('stop');
    expect(usage).toEqual(USAGE);

    f.mock.truncateAfter = 2;
    const cut = await postJson(`${f.gw.url}/v1/chat/completions`, chatBody(MODEL, { stream: true }));
    expect(cut.text).toContain('upstream_stream_truncated');
    expect(cut.text).not.toContain('[DONE]');
  });

  it('round-trips a function call (plain and streamed)', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'find_theaters',
          parameters: {
            type: 'object',
            properties: { location: { type: 'string' } },
            additionalProperties: false,
          },
        },
      },
    ];
    const first = await f.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Which theaters show Barbie?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'find_theaters' } },
    });
    expect(f.mock.requests[0]!.body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'find_theaters',
            parameters: { type: 'object', properties: { location: { type: 'string' } } },
          },
        ],
      },
    ]);
    expect(f.mock.requests[0]!.body.toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['find_theaters'] },
    });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && call.function.name).toBe('find_theaters');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual(FUNCTION_CALL.args);

    const second = await f.client.chat.completions.create({
      model: MODEL,
      tools,
      messages: [
        { role: 'user', content: 'Which theaters show Barbie?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: '{"theaters":["AMC Mountain View 16"]}' },
      ],
    });
    expect(f.mock.requests[1]!.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Which theaters show Barbie?' }] },
      { role: 'model', parts: [{ functionCall: FUNCTION_CALL }] },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'find_theaters', response: { theaters: ['AMC Mountain View 16'] } } },
        ],
      },
    ]);
    expect(second.choices[0]!.message.content).toBe(GEMINI_TEXT);

    const stream = await f.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Barbie?' }],
      tools,
      stream: true,
    });
    const calls: string[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? [])
        calls.push(delta.function?.arguments ?? '');
      finish ??= chunk.choices[0]?.finish_reason;
    }
    expect(JSON.parse(calls.join(''))).toEqual(FUNCTION_CALL.args);
    expect(finish).toBe('tool_calls');
  });

  it('sends images as inlineData and fileData', async () => {
    await postJson(
      `${f.gw.url}/v1/chat/completions`,
      chatBody(MODEL, {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Describe' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            ],
          },
        ],
      }),
    );
    expect((f.mock.requests[0]!.body.contents as Array<{ parts: unknown }>)[0]!.parts).toEqual([
      { text: 'Describe' },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
      { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/a.png' } },
    ]);
  });

  it('reports safety blocks as content_filter', async () => {
    const unsafe = await postJson(
      `${f.gw.url}/v1/chat/completions`,
      chatBody(MODEL, { messages: [{ role: 'user', content: 'something unsafe' }] }),
    );
    expect((unsafe.body.choices as Array<{ finish_reason: string }>)[0]!.finish_reason).toBe(
      'content_filter',
    );
    const blocked = await postJson(
      `${f.gw.url}/v1/chat/completions`,
      chatBody(MODEL, { messages: [{ role: 'user', content: 'blocked-prompt' }] }),
    );
    const choice = (
      blocked.body.choices as Array<{ finish_reason: string; message: { content: unknown } }>
    )[0]!;
    expect(choice.finish_reason).toBe('content_filter');
    expect(choice.message.content).toBeNull();
    expect(blocked.body.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 0 });
  });

  it('embeds with batchEmbedContents', async () => {
    const result = await f.client.embeddings.create({
      model: 'gemini/text-embedding-004',
      input: ['a', 'b'],
      dimensions: 3,
    });
    expect(f.mock.requests[0]!.url).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(f.mock.requests[0]!.body).toEqual({
      requests: ['a', 'b'].map((text) => ({
        model: 'models/text-embedding-004',
        content: { parts: [{ text }] },
        outputDimensionality: 3,
      })),
    });
    expect(result.data).toHaveLength(2);
    // The SDK asked for base64 (float32): equal to float32 precision.
    const expected = [0.013168523, -0.008711934, -0.046782676];
    result.data[1]!.embedding.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 7));
    const floats = await postJson(`${f.gw.url}/v1/embeddings`, {
      model: 'gemini/text-embedding-004',
      input: 'a',
    });
    expect((floats.body.data as Array<{ embedding: unknown }>)[0]!.embedding).toEqual(expected);
  });

  it('keeps Google’s error status and reports dropped params', async () => {
    f.mock.fail({
      status: 429,
      body: googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'),
    });
    const limited = await postJson(`${f.gw.url}/v1/chat/completions`, chatBody(MODEL));
    expect(limited.status).toBe(429);
    expect(errorOf(limited)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    const dropped = await postJson(
      `${f.gw.url}/v1/chat/completions`,
      chatBody(MODEL, { logprobs: true, n: 2 }),
    );
    expect(dropped.headers.get('x-heimdall-dropped-params')).toBe('logprobs,n');
  });
});
