/**
 * Concurrency and queueing per provider: at most `concurrency` in flight and `buffer_size`
 * waiting; a full queue with drop_excess_requests answers 429 + Retry-After at once, otherwise
 * the request waits its turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

let mock: OpenAIMock;
beforeAll(async () => {
  mock = await startOpenAIMock();
});
afterAll(() => mock?.close());

async function gatewayWith(dropExcess: boolean): Promise<RunningGateway> {
  return startGateway(
    snapshotOf({
      client: { drop_excess_requests: dropExcess },
      providers: [
        provider('openai', mock.url, [key()], {
          concurrency_and_buffer_size: { concurrency: 1, buffer_size: 1 },
        }),
      ],
    }),
  );
}

const waitFor = async (check: () => boolean, ms = 2000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('queueing', () => {
  it('answers 429 with Retry-After at once when the queue is full and drop_excess_requests is on', async () => {
    const gw = await gatewayWith(true);
    try {
      mock.reset();
      mock.enqueue({ kind: 'delay', ms: 300 }, { kind: 'delay', ms: 50 });
      const url = `${gw.url}/v1/chat/completions`;
      const inFlight = postJson(url, chatBody('openai/gpt-4o'));
      await waitFor(() => mock.requests.length === 1);
      const queued = postJson(url, chatBody('openai/gpt-4o'));
      await new Promise((resolve) => setTimeout(resolve, 30));
      // A request that waited for a slot would be served (200) once the first ones finish: the
      // 429 itself shows it was refused without queueing.
      const rejected = await postJson(url, chatBody('openai/gpt-4o'));
      expect(rejected.status).toBe(429);
      expect(rejected.headers.get('retry-after')).toBe('1');
      expect(errorOf(rejected)).toMatchObject({ type: 'rate_limit_error', code: 'queue_full', param: null });
      expect((await inFlight).status).toBe(200);
      expect((await queued).status).toBe(200);
      expect(mock.requests).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });

  it('lets excess requests wait when drop_excess_requests is off', async () => {
    const gw = await gatewayWith(false);
    try {
      mock.reset();
      mock.enqueue({ kind: 'delay', ms: 100 }, { kind: 'delay', ms: 10 }, { kind: 'delay', ms: 10 });
      const url = `${gw.url}/v1/chat/completions`;
      const responses = await Promise.all([0, 1, 2].map(() => postJson(url, chatBody('openai/gpt-4o'))));
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    } finally {
      await gw.close();
    }
  });
});
