/**
 * Issue 13, item 1: `/v1/models` and `/anthropic/v1/models` list what the provider offers for
 * keys that allow every model (`"models": ["*"]`, the README's own example, used to give
 * `{"data":[]}`), from the provider's own list endpoint, through the official SDKs. Explicit
 * `models` lists, blacklists and virtual-key allow-lists still filter; `?provider=` keeps one
 * provider's models (as in Bifrost).
 */
import Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicMock, type AnthropicMock } from '../mocks/anthropic-mock.ts';
import { MOCK_MODELS, startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from './harness.ts';

const VK = 'sk-bf-models-discovery-test-0001';
const OPENAI_KEY = 'sk-openai-discovery-0123456789';
const ANTHROPIC_KEY = 'sk-ant-discovery-0123456789';

let openai: OpenAIMock;
let anthropic: AnthropicMock;
let gw: RunningGateway;

beforeAll(async () => {
  openai = await startOpenAIMock();
  anthropic = await startAnthropicMock();
  // 1,200 models: more than one page of the 1,000 Heimdall asks for, so paging is followed.
  anthropic.models = Array.from({ length: 1_200 }, (_, i) => `claude-test-${String(i).padStart(4, '0')}`);
  const snapshot = snapshotOf({
    providers: [
      provider('openai', openai.url, [
        key({ value: OPENAI_KEY, models: ['*'], blacklisted_models: ['text-embedding-3-small'] }),
        key({ value: 'sk-openai-explicit-0123456789', models: ['my-fine-tune'] }),
      ]),
      provider('anthropic', anthropic.url, [key({ value: ANTHROPIC_KEY, models: ['*'] })]),
    ],
  });
  snapshot.governance.virtual_keys = [
    {
      id: 'vk-discovery',
      name: 'discovery',
      valueHash: createHash('sha256').update(VK).digest('hex'),
      is_active: true,
      provider_configs: [
        { provider: 'openai', weight: 1, allowed_models: ['gpt-4o-mini'], key_ids: [] },
        { provider: 'anthropic', weight: 1, allowed_models: ['*'], key_ids: [] },
      ],
    },
  ];
  gw = await startGateway(snapshot);
});

afterAll(async () => {
  await gw?.close();
  await openai?.close();
  await anthropic?.close();
});

const openaiSdk = (apiKey = 'unused') => new OpenAI({ apiKey, baseURL: gw.baseURL, maxRetries: 0 });

async function openaiIds(client: OpenAI): Promise<string[]> {
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  return ids;
}

describe('GET /v1/models for keys allowing every model', () => {
  beforeEach(() => openai.reset());

  it('lists the provider’s own models through the openai SDK, minus the key’s blacklist', async () => {
    const ids = await openaiIds(openaiSdk());
    const openaiIdsListed = ids.filter((id) => id.startsWith('openai/'));
    expect(openaiIdsListed).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini', 'openai/my-fine-tune']);
    expect(ids.filter((id) => id.startsWith('anthropic/'))).toHaveLength(1_200);
    const one = await openaiSdk().models.retrieve('openai/gpt-4o');
    expect(one).toMatchObject({ id: 'openai/gpt-4o', owned_by: 'openai' });
  });

  it('asked the provider with the key, once, and serves later listings from the cache', async () => {
    openai.models = [...MOCK_MODELS, 'gpt-5-preview'];
    await openaiIds(openaiSdk());
    // Listed before this test: the cached list is served (refreshed only when stale).
    expect(openai.requests).toHaveLength(0);
    const lists = anthropic.requests.filter((request) => request.method === 'GET');
    expect(lists.map((request) => request.url)).toEqual([
      '/v1/models?limit=1000',
      '/v1/models?limit=1000&after_id=claude-test-0999',
    ]);
    expect(lists[0]!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(lists[0]!.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('lists them in Anthropic’s format through the anthropic SDK', async () => {
    const sdk = new Anthropic({ apiKey: 'unused', baseURL: `${gw.url}/anthropic`, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of sdk.models.list()) ids.push(model.id);
    expect(ids).toContain('anthropic/claude-test-1199');
    expect(ids).toContain('openai/gpt-4o-mini');
    const one = await sdk.models.retrieve('anthropic/claude-test-0000');
    expect(one).toMatchObject({ type: 'model', id: 'anthropic/claude-test-0000' });
  });

  it('keeps one provider’s models with ?provider= and refuses an unknown provider', async () => {
    const page = await openaiSdk().models.list({ query: { provider: 'openai' } });
    expect(page.data.map((model) => model.id)).toEqual([
      'openai/gpt-4o',
      'openai/gpt-4o-mini',
      'openai/my-fine-tune',
    ]);
    const refused = await fetch(`${gw.url}/v1/models?provider=nobody`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: {
        message: 'provider "nobody" is not configured here; use one of: anthropic, openai',
        type: 'invalid_request_error',
        code: 'unknown_provider',
        param: 'provider',
      },
    });
  });

  it('names providers and calls them only for a caller that passed authentication', async () => {
    const guarded = await startGateway({
      ...gw.controlPlane.snapshot,
      client: { ...gw.controlPlane.snapshot.client, enforce_auth_on_inference: true },
    });
    try {
      const anonymous = await fetch(`${guarded.url}/v1/models?provider=nobody`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain('anthropic');
      // A refused caller makes Heimdall call no provider (this gateway's cache is still cold).
      expect((await fetch(`${guarded.url}/v1/models`)).status).toBe(401);
      expect(openai.requests).toHaveLength(0);
      const allowed = await fetch(`${guarded.url}/v1/models?provider=nobody`, { headers: { 'x-bf-vk': VK } });
      expect(allowed.status).toBe(400);
    } finally {
      await guarded.close();
    }
  });

  it('still filters by the virtual key’s allow-list', async () => {
    const ids = await openaiIds(openaiSdk(VK));
    expect(ids.filter((id) => id.startsWith('openai/'))).toEqual(['openai/gpt-4o-mini']);
    expect(ids.filter((id) => id.startsWith('anthropic/'))).toHaveLength(1_200);
    const sdk = new Anthropic({ apiKey: VK, baseURL: `${gw.url}/anthropic`, maxRetries: 0 });
    const page = await sdk.models.list({}, { query: { provider: 'openai' } });
    expect(page.data.map((model) => model.id)).toEqual(['openai/gpt-4o-mini']);
  });
});
