/**
 * Issue 13, item 1: a provider key's model list is cached, refreshed in the background once
 * stale (the stale list served meanwhile), fetched within a bounded time, and a failure is
 * logged (never with the key) with the last good list kept; without any good list (no endpoint,
 * failure, timeout) `/v1/models` falls back to the price catalogue's models for that provider.
 * The cache runs against a real loopback provider; only its clock is the test's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatewaySnapshot } from '../../clients/contract/snapshot.ts';
import { catalogueModelNames } from '../../gateway/pricing/catalogue.ts';
import { compileSnapshot } from '../../gateway/snapshot/compile.ts';
import { ProviderModelLists } from '../../gateway/snapshot/model-lists.ts';
import { PoolRegistry } from '../../gateway/upstream/pools.ts';
import { MOCK_MODELS, startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { key, provider, snapshotOf, startGateway } from './harness.ts';

const SECRET = 'sk-cache-test-secret-0123456789';

let mock: OpenAIMock;
const pools = new PoolRegistry();
beforeAll(async () => {
  mock = await startOpenAIMock();
});
afterEach(() => mock.reset());
afterAll(async () => {
  await pools.closeAll(0);
  await mock?.close();
});

function compiled(snapshot: GatewaySnapshot) {
  return compileSnapshot(snapshot, { pools, limiters: new Map() }, () => undefined);
}

function setUp(timing: { timeoutMs?: number } = {}) {
  let now = 1_000_000;
  const warnings: Array<{ msg: string; fields: object | undefined }> = [];
  const logger = {
    info: () => undefined,
    error: () => undefined,
    warn: (msg: string, fields?: object) => void warnings.push({ msg, fields }),
  };
  const lists = new ProviderModelLists(logger, { ttlMs: 60_000, retryMs: 10_000, now: () => now, ...timing });
  const snapshot = compiled(
    snapshotOf({ providers: [provider('openai', mock.url, [key({ value: SECRET, models: ['*'] })])] }),
  );
  const openai = snapshot.providers.get('openai')!;
  return {
    list: () => lists.modelsFor(openai, openai.keys[0]!),
    advance: (ms: number) => void (now += ms),
    warnings,
  };
}

/** Generous bound for a background refresh against loopback to land (a loaded CI machine). */
const SETTLED = { timeout: 10_000, interval: 20 };

const gets = () => mock.requests.filter((request) => request.method === 'GET').length;

describe('a provider key’s model list', () => {
  it('is fetched once, served from the cache, and refreshed in the background when stale', async () => {
    const cache = setUp();
    expect(await cache.list()).toEqual(MOCK_MODELS);
    expect(mock.requests[0]).toMatchObject({ method: 'GET', url: '/v1/models' });
    expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    mock.models = ['gpt-5'];
    cache.advance(59_000);
    expect(await cache.list()).toEqual(MOCK_MODELS);
    expect(gets()).toBe(1);
    cache.advance(2_000);
    // Stale: the old list is answered at once while one refresh runs.
    expect(await cache.list()).toEqual(MOCK_MODELS);
    await vi.waitFor(async () => expect(await cache.list()).toEqual(['gpt-5']), SETTLED);
    expect(gets()).toBe(2);
  });

  it('keeps the last good list when a refresh fails, logs why without the key, and retries later', async () => {
    const cache = setUp();
    await cache.list();
    cache.advance(61_000);
    mock.enqueue({
      kind: 'status',
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${SECRET}` } },
    });
    expect(await cache.list()).toEqual(MOCK_MODELS);
    await vi.waitFor(() => expect(cache.warnings).toHaveLength(1), SETTLED);
    expect(cache.warnings[0]!.fields).toEqual({
      provider: 'openai',
      key: expect.any(String),
      reason: 'the provider answered 401',
      kept: 3,
    });
    expect(JSON.stringify(cache.warnings)).not.toContain(SECRET);
    expect(await cache.list()).toEqual(MOCK_MODELS);
    expect(gets()).toBe(2);
    mock.models = ['gpt-5'];
    cache.advance(10_000);
    await cache.list();
    await vi.waitFor(async () => expect(await cache.list()).toEqual(['gpt-5']), SETTLED);
  });

  it('gives up on a provider that does not answer within the timeout', async () => {
    const cache = setUp({ timeoutMs: 300 });
    mock.enqueue({ kind: 'hang' });
    expect(await cache.list()).toBeUndefined();
    expect(cache.warnings[0]!.fields).toMatchObject({ reason: 'no complete answer within 300 ms', kept: 0 });
  });
});

describe('GET /v1/models without a provider list', () => {
  it('falls back to the price catalogue’s models for that provider', async () => {
    mock.enqueue({ kind: 'status', status: 503 });
    const gw = await startGateway(
      snapshotOf({
        providers: [
          provider('openai', mock.url, [key({ value: SECRET, models: ['*'] })]),
          // Perplexity documents no list endpoint: the catalogue is its list.
          provider('perplexity', mock.url, [key({ value: SECRET })]),
        ],
      }),
    );
    try {
      const body = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      const ids = new Set(body.data.map((entry) => entry.id));
      for (const name of ['openai', 'perplexity']) {
        const expected = [...catalogueModelNames(name)].map((model) => `${name}/${model}`);
        expect(expected.length).toBeGreaterThan(0);
        for (const id of expected) expect(ids).toContain(id);
      }
      expect(mock.requests.map((request) => request.url)).toEqual(['/v1/models']);
    } finally {
      await gw.close();
    }
  });
});
