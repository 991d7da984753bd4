/**
 * Issue 13 item 7: a retry after a key-specific failure (401/403/429/5xx/connect error) goes to
 * another key of the provider, and a key that keeps failing is cooled down (visible in /metrics)
 * and comes back by itself. Real HTTP: a gateway in front of a mock that fails for one key.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../gateway/core/attempt.ts';
import { KEY_COOLDOWN_MS, KeyHealth } from '../../gateway/routing/key-health.ts';
import { sendJson, startHttpMock, type HttpMock } from '../mocks/http-mock.ts';
import {
  chatBody,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from './harness.ts';

const GOOD = 'sk-good-key-0123456789';
const BAD = 'sk-bad-key-0123456789';
const FAST_RETRIES = { max_retries: 3, retry_backoff_initial: 1, retry_backoff_max: 2 };

const completion = {
  id: 'chatcmpl-failover',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};

/** A provider where the key `BAD` always gets `status`; every other key is served. */
function failingKeyMock(status: number): Promise<HttpMock> {
  return startHttpMock((request, res) => {
    const credential = request.headers.authorization ?? request.headers['api-key'];
    if (typeof credential === 'string' && credential.includes(BAD))
      return sendJson(res, status, { error: { message: `key refused (${status})`, type: 'x', code: null } });
    sendJson(res, 200, completion);
  });
}

function usedKey(mock: HttpMock, index: number): string {
  const request = mock.requests[index]!;
  const credential = String(request.headers.authorization ?? request.headers['api-key'] ?? '');
  return credential.includes(BAD) ? 'bad' : 'good';
}

async function hundredRequests(gw: RunningGateway, model = 'gpt-4o'): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 100; i++)
    statuses.push((await postJson(`${gw.baseURL}/chat/completions`, chatBody(model))).status);
  return statuses;
}

describe.each([500, 401])('two keys, one always answering %i, max_retries 3', (status) => {
  let mock: HttpMock;
  let gw: RunningGateway;
  beforeAll(async () => {
    mock = await failingKeyMock(status);
    gw = await startGateway(
      snapshotOf({
        providers: [
          provider(
            'openai',
            mock.url,
            [key({ name: 'bad', value: BAD }), key({ name: 'good', value: GOOD })],
            {
              network_config: FAST_RETRIES,
            },
          ),
        ],
      }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await mock?.close();
  });

  it('serves 100 of 100 requests, each retry after the bad key going to the good one', async () => {
    const statuses = await hundredRequests(gw);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    // A bad attempt is always followed by the good key, never by the bad key again.
    for (let i = 0; i < mock.requests.length - 1; i++)
      if (usedKey(mock, i) === 'bad') expect(usedKey(mock, i + 1)).toBe('good');
  });

  it('cools the failing key down after 3 failures in a row and shows it in /metrics', async () => {
    const badAttempts = mock.requests.filter((_, i) => usedKey(mock, i) === 'bad').length;
    expect(badAttempts).toBe(3);
    const metrics = await gw.gateway.metrics();
    expect(metrics).toContain('heimdall_provider_key_cooling_down{provider="openai",key="bad"} 1');
    expect(metrics).toContain('heimdall_provider_key_cooldowns_total{provider="openai",key="bad"} 1');
    expect(metrics).not.toContain(GOOD);
    expect(metrics).not.toContain(BAD);
  });
});

describe('one key only', () => {
  it('does not retry a 401 when the provider has no other key', async () => {
    const mock = await failingKeyMock(401);
    const gw = await startGateway(
      snapshotOf({
        providers: [
          provider('openai', mock.url, [key({ name: 'bad', value: BAD })], { network_config: FAST_RETRIES }),
        ],
      }),
    );
    try {
      const response = await postJson(`${gw.baseURL}/chat/completions`, chatBody('gpt-4o'));
      expect(response.status).toBe(401);
      expect(mock.requests).toHaveLength(1);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Azure, one region unreachable', () => {
  it('serves 100 of 100 requests through the other region', async () => {
    const mock = await failingKeyMock(500);
    const down = `http://127.0.0.1:${await closedPort()}`;
    const azureKey = (name: string, endpoint: string) =>
      key({
        name,
        value: GOOD,
        models: ['gpt-4o'],
        azure_key_config: { endpoint, api_version: '2024-10-21', deployments: { 'gpt-4o': 'gpt-4o-prod' } },
      });
    const gw = await startGateway(
      snapshotOf({
        providers: [
          provider('azure', undefined, [azureKey('eu', down), azureKey('us', mock.url)], {
            network_config: FAST_RETRIES,
          }),
        ],
      }),
    );
    try {
      const statuses = await hundredRequests(gw, 'azure/gpt-4o');
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(await gw.gateway.metrics()).toContain(
        'heimdall_provider_key_cooling_down{provider="azure",key="eu"} 1',
      );
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('KeyHealth', () => {
  const record = (status: number, keyId = 'k1'): AttemptRecord => ({
    provider: 'openai',
    model: 'gpt-4o',
    upstreamModel: 'gpt-4o',
    keyId,
    keyName: keyId,
    fallbackIndex: 0,
    retry: 0,
    mocked: false,
    status,
    error: status >= 400 ? { type: 'upstream_error', code: 'x', message: 'x' } : undefined,
    usage: undefined,
    latencyMs: 1,
  });

  it('cools a key after 3 key-specific failures, brings it back after the cooldown, re-cools it at once', () => {
    let now = 1_000_000;
    const health = new KeyHealth({ now: () => now });
    health.observe(record(503));
    health.observe(record(429));
    expect(health.isCooling('openai', 'k1')).toBe(false);
    health.observe(record(401));
    expect(health.isCooling('openai', 'k1')).toBe(true);
    now += KEY_COOLDOWN_MS;
    expect(health.isCooling('openai', 'k1')).toBe(false);
    expect(health.avoidance('openai', [])).toBeUndefined();
    health.observe(record(500));
    expect(health.isCooling('openai', 'k1')).toBe(true);
    expect(health.entries()).toEqual([{ provider: 'openai', keyName: 'k1', cooling: true, cooldowns: 2 }]);
  });

  it('counts only key-specific failures, and a success resets the count', () => {
    const health = new KeyHealth();
    for (const status of [400, 404, 422]) health.observe(record(status));
    health.observe(record(500));
    health.observe(record(500));
    health.observe(record(200));
    health.observe(record(500));
    health.observe(record(500));
    expect(health.isCooling('openai', 'k1')).toBe(false);
  });

  it('steers a retry away from keys that failed earlier in the same request', () => {
    const avoid = new KeyHealth().avoidance('openai', [record(502, 'k1'), record(400, 'k2')]);
    expect([...avoid!.failedHere]).toEqual(['k1']);
  });
});
