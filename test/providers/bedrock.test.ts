/**
 * The Bedrock adapter against a loopback Bedrock mock that verifies every SigV4 signature
 * independently: Converse and ConverseStream (binary event-stream frames split across chunks),
 * deployments, tools both ways, images, Titan and Cohere embeddings, errors and in-stream
 * exceptions, usage with cache reads/writes.
 */
import { describe, expect, it } from 'vitest';
import { BEDROCK_TEXT, TOP_SONG } from '../mocks/bedrock-mock.ts';
import { errorOf, postJson } from '../gateway/harness.ts';
import { ENCODED, MODEL, useBedrockGateway } from './bedrock-setup.ts';

const env = useBedrockGateway();

describe('bedrock adapter (Converse)', () => {
  it('translates a plain chat: deployment path, SigV4, documented body, text and usage with cache tokens', async () => {
    const response = await env.chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Recommend a song.' },
      ],
      max_tokens: 512,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['END'],
    });
    expect(response.status).toBe(200);
    const sent = env.mock.requests[0]!;
    expect(sent.path).toBe(`${ENCODED}/converse`);
    expect(sent.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-west-2\/bedrock\/aws4_request/,
    );
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Recommend a song.' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 512, temperature: 0.5, topP: 0.9, stopSequences: ['END'] },
    });
    const choice = (
      response.body.choices as Array<{ message: { content: string }; finish_reason: string }>
    )[0]!;
    expect(choice.message.content).toBe(BEDROCK_TEXT);
    expect(choice.finish_reason).toBe('stop');
    expect(response.body.usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 62,
      total_tokens: 192,
      prompt_tokens_details: { cached_tokens: 80, cache_creation_tokens: 20 },
    });
    expect(env.settled[0]!.usage).toEqual({
      inputTokens: 130,
      outputTokens: 62,
      totalTokens: 192,
      cachedInputTokens: 80,
      cacheWriteInputTokens: 20,
    });
  });

  it('streams from binary event-stream frames split across chunks', async () => {
    const stream = await env.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Song?' }],
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
    expect(env.mock.requests[0]!.path).toBe(`${ENCODED}/converse-stream`);
    expect(text).toBe(BEDROCK_TEXT);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({
      prompt_tokens: 130,
      completion_tokens: 62,
      prompt_tokens_details: { cached_tokens: 80 },
    });
  });

  it('round-trips a tool call, plain and streamed', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'top_song',
          description: 'Most popular song on a station',
          parameters: { type: 'object', properties: { sign: { type: 'string' } }, required: ['sign'] },
        },
      },
    ];
    const first = await env.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Top song on WZPZ?' }],
      tools,
      tool_choice: 'auto',
    });
    expect(env.mock.requests[0]!.body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'top_song',
            description: 'Most popular song on a station',
            inputSchema: { json: tools[0]!.function.parameters },
          },
        },
      ],
      toolChoice: { auto: {} },
    });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.id).toBe(TOP_SONG.toolUseId);
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual(TOP_SONG.input);
    await env.client.chat.completions.create({
      model: MODEL,
      tools,
      messages: [
        { role: 'user', content: 'Top song on WZPZ?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'Elemental Hotel' },
      ],
    });
    expect((env.mock.requests[1]!.body.messages as unknown[]).slice(1)).toEqual([
      { role: 'assistant', content: [{ toolUse: TOP_SONG }] },
      {
        role: 'user',
        content: [{ toolResult: { toolUseId: TOP_SONG.toolUseId, content: [{ text: 'Elemental Hotel' }] } }],
      },
    ]);

    const stream = await env.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Top song?' }],
      tools,
      stream: true,
    });
    let args = '';
    let id: string | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      id ??= delta?.id;
      args += delta?.function?.arguments ?? '';
    }
    expect(id).toBe(TOP_SONG.toolUseId);
    expect(JSON.parse(args)).toEqual(TOP_SONG.input);
  });

  it('sends base64 images as bytes and reports URL images as dropped', async () => {
    const response = await env.chat({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is it?' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
          ],
        },
      ],
    });
    expect((env.mock.requests[0]!.body.messages as Array<{ content: unknown }>)[0]!.content).toEqual([
      { text: 'What is it?' },
      { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
    ]);
    expect(response.headers.get('x-heimdall-dropped-params')).toBe('image_url');
  });

  it('embeds with Titan (one input) and Cohere (batch) through InvokeModel', async () => {
    const titan = await postJson(`${env.gw.url}/v1/embeddings`, {
      model: 'bedrock/amazon.titan-embed-text-v2:0',
      input: 'hello world',
      dimensions: 256,
    });
    expect(env.mock.requests[0]!.path).toBe(
      `/model/${encodeURIComponent('amazon.titan-embed-text-v2:0')}/invoke`,
    );
    expect(env.mock.requests[0]!.body).toEqual({ inputText: 'hello world', dimensions: 256 });
    expect((titan.body.data as Array<{ embedding: number[] }>)[0]!.embedding).toEqual([0.5, -0.25, 0.125]);
    expect(titan.body.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    const cohere = await postJson(`${env.gw.url}/v1/embeddings`, {
      model: 'bedrock/cohere.embed-english-v3',
      input: ['a', 'b'],
    });
    expect(env.mock.requests[1]!.body).toEqual({ texts: ['a', 'b'], input_type: 'search_document' });
    expect(cohere.body.data as unknown[]).toHaveLength(2);
    const many = await postJson(`${env.gw.url}/v1/embeddings`, {
      model: 'bedrock/amazon.titan-embed-text-v2:0',
      input: ['a', 'b'],
    });
    expect(many.status).toBe(400);
  });

  it('keeps error statuses and ends a stream on an exception frame', async () => {
    env.mock.fail({ status: 429, body: { message: 'Too many requests, please wait before trying again.' } });
    const limited = await env.chat();
    expect(limited.status).toBe(429);
    expect(errorOf(limited).message).toContain('Too many requests');
    env.mock.throttleAfter = 3;
    const cut = await env.chat({ stream: true });
    expect(cut.text).toContain('throttlingException');
    expect(cut.text).not.toContain('[DONE]');
  });
});
