/**
 * Issue 13, item 1: each provider's own list-models answer, as the adapter contract declares it
 * (`ProviderAdapter.listModels`): Gemini's `models/…` names followed across `pageToken` pages
 * against a loopback Gemini, and the other shapes (Cohere, bare OpenAI-style arrays such as
 * Together's, Anthropic's paging) read into the ids Heimdall addresses.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../gateway/providers/anthropic/adapter.ts';
import { cohere } from '../../gateway/providers/cohere/adapter.ts';
import { readModelPage } from '../../gateway/providers/list-models.ts';
import { OPENAI_COMPATIBLE } from '../../gateway/providers/openai-compat/catalog.ts';
import { GEMINI_MODELS, startGeminiMock, type GeminiMock } from '../mocks/gemini-mock.ts';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from './harness.ts';

describe('Gemini’s model list', () => {
  let mock: GeminiMock;
  let gw: RunningGateway;
  beforeAll(async () => {
    mock = await startGeminiMock();
    gw = await startGateway(
      snapshotOf({
        providers: [provider('gemini', mock.url, [key({ value: 'AIza-gemini-test-key-0123456789' })])],
      }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await mock?.close();
  });

  it('is read across pages, without the models/ prefix, through the openai SDK', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: gw.baseURL, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(GEMINI_MODELS.map((id) => `gemini/${id}`).sort());
    expect(mock.requests.map((request) => request.url)).toEqual([
      '/v1beta/models?pageSize=1000',
      '/v1beta/models?pageSize=1000&pageToken=2',
    ]);
    expect(mock.requests[0]!.headers['x-goog-api-key']).toBe('AIza-gemini-test-key-0123456789');
  });
});

describe('list-models answers of the other shapes', () => {
  it('reads Cohere’s names and its next page token', () => {
    const page = readModelPage(cohere.listModels!, {
      models: [{ name: 'command-r-plus' }, { name: 'embed-english-v3.0' }, { endpoints: ['chat'] }],
      next_page_token: 'abc=',
    });
    expect(page).toEqual({
      ids: ['command-r-plus', 'embed-english-v3.0'],
      nextPath: '/v1/models?page_size=1000&page_token=abc%3D',
    });
  });

  it('reads a bare array (Together) and OpenAI’s list the same way', () => {
    const together = OPENAI_COMPATIBLE.get('together')!.listModels!;
    expect(together.path).toBe('/v1/models');
    expect(readModelPage(together, [{ id: 'meta-llama/Llama-3.3-70B' }])).toEqual({
      ids: ['meta-llama/Llama-3.3-70B'],
      nextPath: undefined,
    });
    expect(readModelPage(together, { object: 'list', data: [{ id: 'a' }, { id: 7 }] }).ids).toEqual(['a']);
  });

  it('stops Anthropic’s paging when has_more is false', () => {
    const page = readModelPage(anthropic.listModels!, { data: [{ id: 'x' }], has_more: false, last_id: 'x' });
    expect(page.nextPath).toBeUndefined();
  });

  it('refuses an answer of the wrong shape (so the last good list is kept)', () => {
    expect(() => readModelPage(cohere.listModels!, { data: [] })).toThrow('the answer has no "models" list');
  });

  it('declares no list where the provider has none', () => {
    expect(OPENAI_COMPATIBLE.get('perplexity')!.listModels).toBeUndefined();
    expect(OPENAI_COMPATIBLE.get('groq')!.listModels).toEqual({ path: '/v1/models', format: 'openai' });
  });
});
