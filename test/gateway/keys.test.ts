/**
 * Acceptance: weighted key choice over 10,000 selections stays within ±2 points of the weights;
 * a key that does not allow the model (or is disabled or blacklisted) is never chosen
 * (batch-flagged keys take normal traffic: batch-keys.test.ts); `x-bf-api-key` pins a key by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewaySnapshot } from '../../clients/contract/snapshot.ts';
import { selectKey } from '../../gateway/routing/key-select.ts';
import { compileSnapshot } from '../../gateway/snapshot/compile.ts';
import type { CompiledSnapshot } from '../../gateway/core/compiled-snapshot.ts';
import { PoolRegistry } from '../../gateway/upstream/pools.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import {
  chatBody,
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from './harness.ts';

function compile(snapshot: GatewaySnapshot): { compiled: CompiledSnapshot; pools: PoolRegistry } {
  const pools = new PoolRegistry();
  return { compiled: compileSnapshot(snapshot, { pools, limiters: new Map() }, () => undefined), pools };
}

describe('weighted key selection', () => {
  const snapshot = snapshotOf({
    providers: [
      provider('openai', 'http://127.0.0.1:9', [
        key({ name: 'a', weight: 0.6 }),
        key({ name: 'b', weight: 0.3, models: ['*'] }),
        key({ name: 'c', weight: 0.1, models: ['gpt-4o-mini', 'gpt-4o'] }),
        key({ name: 'other-model', weight: 50, models: ['gpt-3.5-turbo'] }),
        key({ name: 'blacklisted', weight: 50, blacklisted_models: ['gpt-4o'] }),
        key({ name: 'disabled', weight: 50, enabled: false }),
      ]),
    ],
  });
  const { compiled, pools } = compile(snapshot);
  afterAll(() => pools.closeAll(0));

  it('matches the configured weights within ±2 points over 10,000 picks', () => {
    const counts = new Map<string, number>();
    const provider = compiled.providers.get('openai')!;
    for (let i = 0; i < 10_000; i++) {
      const chosen = selectKey(provider, 'gpt-4o', undefined, true).name;
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(Math.abs(counts.get('a')! / 100 - 60)).toBeLessThanOrEqual(2);
    expect(Math.abs(counts.get('b')! / 100 - 30)).toBeLessThanOrEqual(2);
    expect(Math.abs(counts.get('c')! / 100 - 10)).toBeLessThanOrEqual(2);
  });

  it('never picks a key whose models list excludes the model', () => {
    const provider = compiled.providers.get('openai')!;
    for (let i = 0; i < 2_000; i++)
      expect(selectKey(provider, 'gpt-4-turbo', undefined, true).name).not.toMatch(
        /^(c|other-model|disabled)$/,
      );
  });

  it('rejects a model no key serves with a 400 naming the model', () => {
    const { compiled: only, pools: morePools } = compile(
      snapshotOf({ providers: [provider('openai', 'http://127.0.0.1:9', [key({ models: ['gpt-4o'] })])] }),
    );
    expect(() => selectKey(only.providers.get('openai')!, 'gpt-5', undefined, true)).toThrow(
      /no enabled key of provider "openai" serves model "gpt-5"/,
    );
    void morePools.closeAll(0);
  });
});

describe('x-bf-api-key pinning', () => {
  let mock: OpenAIMock;
  let gw: RunningGateway;
  beforeAll(async () => {
    mock = await startOpenAIMock();
    gw = await startGateway(
      snapshotOf({
        providers: [
          provider('openai', mock.url, [
            key({ name: 'primary', value: 'sk-primary', weight: 1000 }),
            key({ name: 'secondary', value: 'sk-secondary', weight: 0.001 }),
            key({ name: 'mini-only', value: 'sk-mini', models: ['gpt-4o-mini'], weight: 0 }),
          ]),
        ],
      }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await mock?.close();
  });

  it('sends every request with the pinned key', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'), {
        'x-bf-api-key': 'secondary',
      });
      expect(response.status).toBe(200);
    }
    expect(mock.requests.map((request) => request.headers.authorization)).toEqual(
      Array(5).fill('Bearer sk-secondary'),
    );
  });

  it('refuses an unknown key name (400) and a pinned key that does not allow the model (403)', async () => {
    const unknown = await postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'), {
      'x-bf-api-key': 'nope',
    });
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown)).toMatchObject({ code: 'unknown_key_name', param: 'x-bf-api-key' });
    const notAllowed = await postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'), {
      'x-bf-api-key': 'mini-only',
    });
    expect(notAllowed.status).toBe(403);
    expect(errorOf(notAllowed).code).toBe('key_model_not_allowed');
  });
});
