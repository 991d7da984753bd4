/**
 * The Bedrock adapter against a loopback Bedrock + STS mock that verifies every SigV4 signature
 * independently: Converse and ConverseStream (binary event-stream frames split across chunks),
 * deployments, tools both ways, images, Titan and Cohere embeddings, errors and in-stream
 * exceptions, usage with cache reads/writes, Bedrock API keys, STS AssumeRole and IRSA
 * (web-identity token file) with credentials cached and refreshed before expiry.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../gateway/create-gateway.ts';
import { clearCredentialCache } from '../../gateway/providers/bedrock/credentials.ts';
import {
  BEDROCK_API_KEY,
  BEDROCK_TEXT,
  IRSA_TOKEN,
  STATIC_KEY,
  startBedrockMock,
  TOP_SONG,
  type BedrockMock,
} from '../mocks/bedrock-mock.ts';
import {
  chatBody,
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from '../gateway/harness.ts';

let mock: BedrockMock;
let gw: RunningGateway;
let client: OpenAI;
let dir: string;
const settled: AttemptRecord[] = [];
const PROFILE = 'us.anthropic.claude-3-5-sonnet-20240620-v1:0';
const ROLE = 'arn:aws:iam::999999999999:role/CrossAccountBedrockRole';
const savedEnv = { ...process.env };

const deployments = { 'claude-sonnet': PROFILE };
const staticConfig = {
  region: 'us-west-2',
  access_key: 'env.TEST_AWS_KEY',
  secret_key: 'env.TEST_AWS_SECRET',
  deployments,
};

beforeAll(async () => {
  mock = await startBedrockMock();
  dir = await mkdtemp(join(tmpdir(), 'heimdall-irsa-'));
  await writeFile(join(dir, 'token'), `${IRSA_TOKEN}\n`);
  process.env.TEST_AWS_KEY = STATIC_KEY.accessKeyId;
  process.env.TEST_AWS_SECRET = STATIC_KEY.secretAccessKey;
  process.env.AWS_ENDPOINT_URL_STS = mock.url;
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_WEB_IDENTITY_TOKEN_FILE = join(dir, 'token');
  process.env.AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/BifrostBedrockRole';
  const keys = [
    key({
      name: 'static',
      value: '',
      models: ['claude-sonnet', 'amazon.titan-embed-text-v2:0', 'cohere.embed-english-v3'],
      bedrock_key_config: staticConfig,
    }),
    key({
      name: 'apikey',
      value: BEDROCK_API_KEY,
      models: ['claude-sonnet'],
      weight: 0,
      bedrock_key_config: { region: 'us-west-2', deployments },
    }),
    key({
      name: 'assume',
      value: '',
      models: ['claude-sonnet'],
      weight: 0,
      bedrock_key_config: {
        ...staticConfig,
        role_arn: ROLE,
        external_id: 'ext-42',
        session_name: 'heimdall-test',
      },
    }),
    key({
      name: 'irsa',
      value: '',
      models: ['claude-sonnet'],
      weight: 0,
      bedrock_key_config: { region: 'us-east-1', deployments },
    }),
  ];
  gw = await startGateway(snapshotOf({ providers: [provider('bedrock', mock.url, keys)] }), {
    onAttemptSettled: (_ctx, attempt) => void settled.push(attempt),
  });
  client = new OpenAI({ apiKey: 'unused', baseURL: gw.baseURL, maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => {
  process.env = savedEnv;
  await gw?.close();
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  mock.reset();
  mock.credentialSeconds = 3600;
  settled.length = 0;
  clearCredentialCache();
});

const MODEL = 'bedrock/claude-sonnet';
const chat = (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postJson(`${gw.url}/v1/chat/completions`, chatBody(MODEL, extra), headers);
const ENCODED = `/model/${encodeURIComponent(PROFILE)}`;

describe('bedrock adapter (Converse)', () => {
  it('translates a plain chat: deployment path, SigV4, documented body, text and usage with cache tokens', async () => {
    const response = await chat({
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
    const sent = mock.requests[0]!;
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
    expect(settled[0]!.usage).toEqual({
      inputTokens: 130,
      outputTokens: 62,
      totalTokens: 192,
      cachedInputTokens: 80,
      cacheWriteInputTokens: 20,
    });
  });

  it('streams from binary event-stream frames split across chunks', async () => {
    const stream = await client.chat.completions.create({
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
    expect(mock.requests[0]!.path).toBe(`${ENCODED}/converse-stream`);
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
    const first = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Top song on WZPZ?' }],
      tools,
      tool_choice: 'auto',
    });
    expect(mock.requests[0]!.body.toolConfig).toEqual({
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
    await client.chat.completions.create({
      model: MODEL,
      tools,
      messages: [
        { role: 'user', content: 'Top song on WZPZ?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'Elemental Hotel' },
      ],
    });
    expect((mock.requests[1]!.body.messages as unknown[]).slice(1)).toEqual([
      { role: 'assistant', content: [{ toolUse: TOP_SONG }] },
      {
        role: 'user',
        content: [{ toolResult: { toolUseId: TOP_SONG.toolUseId, content: [{ text: 'Elemental Hotel' }] } }],
      },
    ]);

    const stream = await client.chat.completions.create({
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
    const response = await chat({
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
    expect((mock.requests[0]!.body.messages as Array<{ content: unknown }>)[0]!.content).toEqual([
      { text: 'What is it?' },
      { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
    ]);
    expect(response.headers.get('x-heimdall-dropped-params')).toBe('image_url');
  });

  it('embeds with Titan (one input) and Cohere (batch) through InvokeModel', async () => {
    const titan = await postJson(`${gw.url}/v1/embeddings`, {
      model: 'bedrock/amazon.titan-embed-text-v2:0',
      input: 'hello world',
      dimensions: 256,
    });
    expect(mock.requests[0]!.path).toBe(
      `/model/${encodeURIComponent('amazon.titan-embed-text-v2:0')}/invoke`,
    );
    expect(mock.requests[0]!.body).toEqual({ inputText: 'hello world', dimensions: 256 });
    expect((titan.body.data as Array<{ embedding: number[] }>)[0]!.embedding).toEqual([0.5, -0.25, 0.125]);
    expect(titan.body.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    const cohere = await postJson(`${gw.url}/v1/embeddings`, {
      model: 'bedrock/cohere.embed-english-v3',
      input: ['a', 'b'],
    });
    expect(mock.requests[1]!.body).toEqual({ texts: ['a', 'b'], input_type: 'search_document' });
    expect(cohere.body.data as unknown[]).toHaveLength(2);
    const many = await postJson(`${gw.url}/v1/embeddings`, {
      model: 'bedrock/amazon.titan-embed-text-v2:0',
      input: ['a', 'b'],
    });
    expect(many.status).toBe(400);
  });

  it('keeps error statuses and ends a stream on an exception frame', async () => {
    mock.fail({ status: 429, body: { message: 'Too many requests, please wait before trying again.' } });
    const limited = await chat();
    expect(limited.status).toBe(429);
    expect(errorOf(limited).message).toContain('Too many requests');
    mock.throttleAfter = 3;
    const cut = await chat({ stream: true });
    expect(cut.text).toContain('throttlingException');
    expect(cut.text).not.toContain('[DONE]');
  });
});

describe('bedrock credentials', () => {
  it('sends a Bedrock API key as Bearer without signing', async () => {
    const response = await chat({}, { 'x-bf-api-key': 'apikey' });
    expect(response.status).toBe(200);
    expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${BEDROCK_API_KEY}`);
    expect(mock.requests[0]!.headers['x-amz-date']).toBeUndefined();
  });

  it('assumes a role with STS (signed by the source keys, external id, session name), cached until near expiry', async () => {
    expect((await chat({}, { 'x-bf-api-key': 'assume' })).status).toBe(200);
    expect((await chat({}, { 'x-bf-api-key': 'assume' })).status).toBe(200);
    expect(mock.stsCalls).toHaveLength(1);
    const params = mock.stsCalls[0]!.params;
    expect(Object.fromEntries(params)).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: ROLE,
      ExternalId: 'ext-42',
      RoleSessionName: 'heimdall-test',
    });
    const bedrockCall = mock.requests.find((r) => r.path.endsWith('/converse'))!;
    expect(bedrockCall.headers.authorization).toContain('Credential=ASIA1ROLE/');
    expect(bedrockCall.headers['x-amz-security-token']).toBe('token-ASIA1ROLE');

    clearCredentialCache();
    mock.stsCalls.length = 0;
    mock.credentialSeconds = 120; // inside the five-minute refresh margin: renewed on every use
    await chat({}, { 'x-bf-api-key': 'assume' });
    await chat({}, { 'x-bf-api-key': 'assume' });
    expect(mock.stsCalls).toHaveLength(2);
  });

  it('uses the IRSA web-identity token file from the default chain', async () => {
    expect((await chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    expect((await chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    expect(mock.stsCalls.map((call) => call.action)).toEqual(['AssumeRoleWithWebIdentity']);
    expect(mock.stsCalls[0]!.params.get('RoleArn')).toBe('arn:aws:iam::123456789012:role/BifrostBedrockRole');
    const bedrockCall = mock.requests.find((r) => r.path.endsWith('/converse'))!;
    expect(bedrockCall.headers.authorization).toMatch(/Credential=ASIA1IRSA\/\d{8}\/us-east-1\/bedrock/);
  });

  it('fails with the STS error when the role cannot be assumed', async () => {
    const saved = process.env.TEST_AWS_SECRET;
    process.env.TEST_AWS_SECRET = 'wrong-secret';
    const response = await chat({}, { 'x-bf-api-key': 'assume' });
    process.env.TEST_AWS_SECRET = saved;
    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({ code: 'aws_credentials_error' });
    expect(errorOf(response).message).toContain('AccessDenied');
  });
});
