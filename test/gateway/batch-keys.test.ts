/**
 * Issue 13, item 6: `use_for_batch_api: true` adds batch use to a key and takes no normal traffic
 * away from it (Bifrost's behaviour). The seed's 2/1/1 weights with the flag on the third key
 * used to become 2/1/0; the third key now gets its quarter.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pickerFor } from '../../gateway/routing/key-select.ts';
import { compileSnapshot } from '../../gateway/snapshot/compile.ts';
import { PoolRegistry } from '../../gateway/upstream/pools.ts';
import { chatBody, key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

const seedKeys = () => [
  key({ name: 'primary', value: 'sk-primary-1234567890', weight: 2 }),
  key({ name: 'secondary', value: 'sk-secondary-1234567890', weight: 1 }),
  key({ name: 'batch', value: 'sk-batch-1234567890', weight: 1, use_for_batch_api: true }),
];

describe('batch-flagged keys in normal traffic', () => {
  const pools = new PoolRegistry();
  afterAll(() => pools.closeAll(0));

  it('share normal traffic by weight (2/1/1 stays 2/1/1)', () => {
    const compiled = compileSnapshot(
      snapshotOf({ providers: [provider('openai', 'http://127.0.0.1:9', seedKeys())] }),
      { pools, limiters: new Map() },
      () => undefined,
    );
    const picker = pickerFor(compiled.providers.get('openai')!, 'gpt-4o');
    const counts: Record<string, number> = {};
    // Evenly spaced draws over [0, 1): the exact shares the weights give, no sampling noise.
    for (let i = 0; i < 200; i++) {
      const name = picker!.pick(i / 200).name;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    expect(counts).toEqual({ primary: 100, secondary: 50, batch: 50 });
  });

  describe('over HTTP', () => {
    const suite = useMockedGateway((url) => snapshotOf({ providers: [provider('openai', url, seedKeys())] }));

    it('sends some of 200 requests with the batch-flagged key', async () => {
      for (let i = 0; i < 200; i++) {
        const reply = await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
        expect(reply.status).toBe(200);
      }
      const used = suite.mock.requests.map((request) => request.headers.authorization);
      const count = (secret: string) => used.filter((auth) => auth === `Bearer ${secret}`).length;
      // Each key's chance of no request in 200 is at most (3/4)^200 ≈ 1e-25: not flaky.
      expect(count('sk-primary-1234567890')).toBeGreaterThan(0);
      expect(count('sk-secondary-1234567890')).toBeGreaterThan(0);
      expect(count('sk-batch-1234567890')).toBeGreaterThan(0);
      expect(used).toHaveLength(200);
    });

    it('still lets a pin choose the batch key', async () => {
      suite.mock.reset();
      const reply = await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'), {
        'x-bf-api-key': 'batch',
      });
      expect(reply.status).toBe(200);
      expect(suite.mock.requests[0]?.headers.authorization).toBe('Bearer sk-batch-1234567890');
    });
  });
});
