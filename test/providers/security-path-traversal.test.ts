/**
 * A model name must never climb out of its place in a provider URL. Every
 * adapter that puts the model in the path (Hugging Face embeddings, Replicate, Gemini, Vertex,
 * Bedrock, Azure deployments) is pointed at one recording server: a `.`/`..` segment, literal,
 * %-encoded or behind a key alias, is a 400 naming `model` and nothing reaches the provider.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendJson, startHttpMock, type HttpMock } from '../mocks/http-mock.ts';
import {
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from '../gateway/harness.ts';

let mock: HttpMock;
let gw: RunningGateway;

beforeAll(async () => {
  // Every answer is a feature-extraction vector list; only what reaches the server matters here.
  mock = await startHttpMock((_request, res) => sendJson(res, 200, [[0.1, 0.2]]));
  const url = mock.url;
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('huggingface', url, [key({ value: 'hf_operator_key', aliases: { evil: '../../admin' } })]),
        provider('replicate', url, [key({ value: 'r8_operator_key' })]),
        provider('gemini', url, [key({ value: 'AIza-operator-key' })]),
        provider('vertex', url, [
          key({ value: 'unused', vertex_key_config: { project_id: 'p', region: 'us-central1' } }),
        ]),
        provider('bedrock', url, [key({ value: 'bedrock-api-key' })]),
        provider('azure', undefined, [
          key({ value: 'az-key', azure_key_config: { endpoint: url, api_version: '2024-10-21' } }),
        ]),
      ],
    }),
  );
});
afterAll(async () => {
  await gw?.close();
  await mock?.close();
});
beforeEach(() => mock.reset());

const embed = (model: string) => postJson(`${gw.url}/v1/embeddings`, { model, input: 'hello' });
const chat = (model: string) =>
  postJson(`${gw.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] });

describe('model names in provider URLs', () => {
  it.each([
    ['huggingface embeddings', () => embed('huggingface/../../../admin/secret')],
    ['huggingface, a dot segment in the middle', () => embed('huggingface/org/./../../x')],
    ['huggingface, %-encoded dots', () => embed('huggingface/%2e%2e/%2E%2E/admin')],
    ['huggingface, behind a key alias', () => embed('huggingface/evil')],
    ['replicate', () => chat('replicate/../admin')],
    ['gemini', () => chat('gemini/..')],
    ['gemini embeddings', () => embed('gemini/../../admin')],
    ['vertex', () => chat('vertex/..')],
    ['bedrock', () => chat('bedrock/..')],
    ['bedrock, traversal hidden behind an encoded slash', () => chat('bedrock/../../admin')],
    ['bedrock, a backslash separator', () => chat('bedrock/..\\..\\admin')],
    ['an azure deployment', () => chat('azure/..')],
  ])('%s: a "." or ".." segment is a 400 naming model, and nothing is sent', async (_name, send) => {
    const response = await send();
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'model',
    });
    expect(errorOf(response).message).toContain('".."');
    expect(mock.requests).toHaveLength(0);
  });

  it('ordinary model names with dots still reach the provider, encoded in place', async () => {
    await embed('huggingface/sentence-transformers/all-MiniLM-L6-v2.5');
    await chat('gemini/gemini-1.5-pro');
    await chat('bedrock/anthropic.claude-3-haiku-20240307-v1:0');
    expect(mock.requests.map((request) => request.path)).toEqual([
      '/hf-inference/models/sentence-transformers/all-MiniLM-L6-v2.5/pipeline/feature-extraction',
      '/v1beta/models/gemini-1.5-pro:generateContent',
      '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse',
    ]);
  });
});
