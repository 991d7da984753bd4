/**
 * The snapshot: loaded at start, rebuilt and swapped atomically on configChanged; requests in
 * flight finish on the snapshot (and upstream) they started with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import {
  chatBody,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from './harness.ts';

let oldUpstream: OpenAIMock;
let newUpstream: OpenAIMock;
let gw: RunningGateway;

beforeAll(async () => {
  oldUpstream = await startOpenAIMock();
  newUpstream = await startOpenAIMock();
  gw = await startGateway(
    snapshotOf({
      version: 1,
      providers: [provider('openai', oldUpstream.url, [key({ models: ['gpt-4o'] })])],
    }),
  );
});

afterAll(async () => {
  await gw?.close();
  await oldUpstream?.close();
  await newUpstream?.close();
});

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('snapshot swap', () => {
  it('starts on the first snapshot', () => {
    expect(gw.gateway.snapshotVersion()).toBe(1);
  });

  it('swaps on configChanged; the in-flight request finishes on the old config', async () => {
    oldUpstream.enqueue({ kind: 'delay', ms: 300 });
    const inFlight = postJson(`${gw.url}/v1/chat/completions`, chatBody('gpt-4o'));
    await until(() => oldUpstream.requests.length === 1);

    gw.controlPlane.publish(
      snapshotOf({
        version: 2,
        providers: [
          provider('openai', newUpstream.url, [key({ models: ['gpt-4o', 'gpt-4.1'] })], {
            network_config: { max_retries: 1 },
          }),
        ],
      }),
    );
    await until(() => gw.gateway.snapshotVersion() === 2);

    const fresh = await postJson(`${gw.url}/v1/chat/completions`, chatBody('gpt-4.1'));
    expect(fresh.status).toBe(200);
    expect(newUpstream.requests).toHaveLength(1);

    const old = await inFlight;
    expect(old.status).toBe(200);
    expect(oldUpstream.requests).toHaveLength(1);
  });

  it('ignores an older snapshot version', async () => {
    gw.controlPlane.publish(snapshotOf({ version: 1, providers: [] }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gw.gateway.snapshotVersion()).toBe(2);
  });
});
