/**
 * The Vertex adapter against a loopback Vertex mock: a service-account JSON (key pair generated
 * here) yields an RS256 JWT exchanged at the mock token endpoint, cached and refreshed before
 * expiry; Gemini (generateContent, SSE stream, predict embeddings) and Anthropic-on-Vertex
 * (rawPredict, streamRawPredict) with tools, images, usage and errors; deployments; ADC through
 * google-auth-library against the mock metadata server.
 */
import { generateKeyPairSync } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../gateway/create-gateway.ts';
import { clearTokenCache } from '../../gateway/providers/vertex/auth.ts';
import { ANTHROPIC_TEXT, TOOL_USE } from '../mocks/anthropic-mock.ts';
import { GEMINI_TEXT, googleError } from '../mocks/gemini-mock.ts';
import { startVertexMock, type VertexMock } from '../mocks/vertex-mock.ts';
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

let mock: VertexMock;
let gw: RunningGateway;
let client: OpenAI;
const settled: AttemptRecord[] = [];
const savedEnv = { ...process.env };
const EMAIL = 'heimdall-test@my-project.iam.gserviceaccount.com';
const BASE = '/v1/projects/my-project/locations/us-central1/publishers';

beforeAll(async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  mock = await startVertexMock(publicKey, EMAIL);
  const account = {
    type: 'service_account',
    project_id: 'my-project',
    private_key_id: 'kid-1',
    private_key: privateKey,
    client_email: EMAIL,
    token_uri: `${mock.url}/token`,
  };
  // As in the Helm docs: the secret holds the base64 of the service-account JSON.
  process.env.VERTEX_AUTH_CREDENTIALS = Buffer.from(JSON.stringify(account)).toString('base64');
  process.env.GCE_METADATA_HOST = new URL(mock.url).host;
  process.env.METADATA_SERVER_DETECTION = 'assume-present';
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  const config = {
    project_id: 'my-project',
    region: 'us-central1',
    auth_credentials: 'env.VERTEX_AUTH_CREDENTIALS',
    deployments: { 'claude-sonnet': 'claude-3-7-sonnet@20250219' },
  };
  const keys = [
    key({ name: 'sa', value: '', vertex_key_config: config }),
    key({
      name: 'adc',
      value: '',
      weight: 0,
      vertex_key_config: { project_id: 'my-project', region: 'us-central1' },
    }),
  ];
  gw = await startGateway(snapshotOf({ providers: [provider('vertex', mock.url, keys)] }), {
    onAttemptSettled: (_ctx, attempt) => void settled.push(attempt),
  });
  client = new OpenAI({ apiKey: 'unused', baseURL: gw.baseURL, maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => {
  process.env = savedEnv;
  await gw?.close();
  await mock?.close();
});
beforeEach(() => {
  mock.reset();
  settled.length = 0;
  clearTokenCache();
});

const chat = (model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postJson(`${gw.url}/v1/chat/completions`, chatBody(model, extra), headers);

describe('vertex: Gemini models', () => {
  it('mints a token from the service account and calls generateContent', async () => {
    const response = await chat('vertex/gemini-2.0-flash');
    expect(response.status).toBe(200);
    expect(mock.tokenCalls).toHaveLength(1);
    expect(mock.tokenCalls[0]!.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
    const call = mock.requests.find((r) => r.path.includes('publishers'))!;
    expect(call.url).toBe(`${BASE}/google/models/gemini-2.0-flash:generateContent`);
    expect(call.headers.authorization).toBe('Bearer ya29.sa-token-1');
    expect(call.body.contents).toEqual([{ role: 'user', parts: [{ text: 'Say hello' }] }]);
    expect((response.body.choices as Array<{ message: { content: string } }>)[0]!.message.content).toBe(
      GEMINI_TEXT,
    );
    expect(response.body.usage).toMatchObject({
      prompt_tokens: 40,
      completion_tokens: 17,
      prompt_tokens_details: { cached_tokens: 30 },
    });
  });

  it('caches the token and refreshes it before it expires', async () => {
    await chat('vertex/gemini-2.0-flash');
    await chat('vertex/gemini-2.0-flash');
    expect(mock.tokenCalls).toHaveLength(1);
    clearTokenCache();
    mock.tokenCalls.length = 0;
    mock.tokenSeconds = 120; // inside the five-minute margin: renewed at every use
    await chat('vertex/gemini-2.0-flash');
    await chat('vertex/gemini-2.0-flash');
    expect(mock.tokenCalls).toHaveLength(2);
  });

  it('streams Gemini SSE and embeds with predict (token counts as usage)', async () => {
    const stream = await client.chat.completions.create({
      model: 'vertex/gemini-2.0-flash',
      messages: [{ role: 'user', content: 'Story' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(GEMINI_TEXT);
    expect(usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 17 });
    expect(mock.requests.at(-1)!.url).toBe(
      `${BASE}/google/models/gemini-2.0-flash:streamGenerateContent?alt=sse`,
    );

    const embedded = await postJson(`${gw.url}/v1/embeddings`, {
      model: 'vertex/text-embedding-005',
      input: ['hello world', 'a b c'],
    });
    expect(mock.requests.at(-1)!.url).toBe(`${BASE}/google/models/text-embedding-005:predict`);
    expect(mock.requests.at(-1)!.body).toEqual({
      instances: [{ content: 'hello world' }, { content: 'a b c' }],
    });
    expect(embedded.body.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect((embedded.body.data as unknown[]).length).toBe(2);
  });

  it('passes Google errors on', async () => {
    await chat('vertex/gemini-2.0-flash');
    mock.fail({
      status: 400,
      body: googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'),
    });
    const response = await chat('vertex/gemini-2.0-flash');
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('vertex: Anthropic models', () => {
  it('calls rawPredict with anthropic_version and no model; tools round trip; images; usage', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    const first = await client.chat.completions.create({
      model: 'vertex/claude-sonnet',
      tools,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    const sent = mock.requests.find((r) => r.path.includes('publishers'))!;
    expect(sent.url).toBe(
      `${BASE}/anthropic/models/${encodeURIComponent('claude-3-7-sonnet@20250219')}:rawPredict`,
    );
    expect(sent.body.anthropic_version).toBe('vertex-2023-10-16');
    expect(sent.body.model).toBeUndefined();
    expect((sent.body.messages as Array<{ content: unknown[] }>)[0]!.content[1]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
    });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call.id).toBe(TOOL_USE.id);
    expect(first.usage).toMatchObject({ prompt_tokens: 135, completion_tokens: 15 });
    const second = await client.chat.completions.create({
      model: 'vertex/claude-sonnet',
      tools,
      messages: [
        { role: 'user', content: 'Weather here?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
  });

  it('streams streamRawPredict (Anthropic SSE) into canonical chunks', async () => {
    const stream = await client.chat.completions.create({
      model: 'vertex/claude-sonnet',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(mock.requests.at(-1)!.path.endsWith(':streamRawPredict')).toBe(true);
    expect(mock.requests.at(-1)!.body.stream).toBe(true);
    expect(text).toBe(ANTHROPIC_TEXT);
    expect(usage).toMatchObject({
      prompt_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 10 },
    });
  });
});

describe('vertex: application default credentials', () => {
  it('gets a token from the metadata server through google-auth-library', async () => {
    const response = await chat('vertex/gemini-2.0-flash', {}, { 'x-bf-api-key': 'adc' });
    expect(response.status).toBe(200);
    expect(mock.metadataCalls).toBe(1);
    expect(mock.requests.find((r) => r.path.includes('publishers'))!.headers.authorization).toBe(
      'Bearer ya29.adc-token-1',
    );
  });
});
