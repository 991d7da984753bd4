/**
 * Acceptance: a graphql-ws client subscribed to `budgetUpdated` hears about an inference
 * request's spend within 500 ms of the request completing, on one instance and when the
 * request was served by a second instance sharing the Postgres database (LISTEN/NOTIFY).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { nextEvents } from './harness.ts';
import { chat, liveConfig, startLive, untilSubscribed, type LiveHeimdall } from './live-stack.ts';

const SUBSCRIPTION =
  'subscription { budgetUpdated(virtualKeyId: "vk-sync") { id currentUsageMicros remaining } }';

type Event = { budgetUpdated: { id: string; currentUsageMicros: string } };

function wsClient(heimdall: LiveHeimdall): Client {
  return createClient({
    url: `${heimdall.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
}

async function measure(subscriber: LiveHeimdall, server: LiveHeimdall): Promise<number> {
  const client = wsClient(subscriber);
  try {
    const subscribed = untilSubscribed(subscriber, 'budgetUpdated');
    const events = nextEvents<Event>(client, SUBSCRIPTION, 1, 5000);
    await subscribed();
    const response = await chat(server.url, 'openai/gpt-4o-mini');
    expect(response.status).toBe(200);
    const completed = Date.now();
    const [event] = await events;
    expect(event!.budgetUpdated.id).toBe('budget-sync');
    expect(Number(event!.budgetUpdated.currentUsageMicros)).toBeGreaterThan(0);
    return event!.receivedAt - completed;
  } finally {
    await client.dispose();
  }
}

describe('live spend over graphql-ws', () => {
  let mock: OpenAIMock;
  let pg: TestDatabase;
  const running: LiveHeimdall[] = [];
  beforeAll(async () => {
    mock = await startOpenAIMock();
    pg = await createTestDatabase('heimdall_live');
  });
  afterAll(async () => {
    for (const heimdall of running) await heimdall.stop();
    await mock.close();
    await pg.drop();
  });

  it('one instance (SQLite): budgetUpdated within 500 ms of the request completing', async () => {
    const heimdall = await startLive(liveConfig(mock.url));
    running.push(heimdall);
    const delay = await measure(heimdall, heimdall);
    console.log(`budgetUpdated, same instance: ${delay} ms after the response`);
    expect(delay).toBeLessThan(500);
  });

  it('two instances sharing Postgres: the request on B reaches a subscriber on A within 500 ms', async () => {
    const a = await startLive(liveConfig(mock.url), { DATABASE_URL: pg.url });
    running.push(a);
    const b = await startLive(liveConfig(mock.url), { DATABASE_URL: pg.url });
    running.push(b);
    const delay = await measure(a, b);
    console.log(`budgetUpdated, across instances via Postgres: ${delay} ms after the response`);
    expect(delay).toBeLessThan(500);
  });

  it('tails request logs and spend as they are written (requestLogged, spendUpdated)', async () => {
    const heimdall = running[0]!;
    const client = wsClient(heimdall);
    try {
      const logsSubscribed = untilSubscribed(heimdall, 'requestLogged');
      const spendSubscribed = untilSubscribed(heimdall, 'spendUpdated');
      const logs = nextEvents<{ requestLogged: Record<string, unknown> }>(
        client,
        'subscription { requestLogged(filter: { virtualKeyIds: ["vk-sync"] }) { id model status inputTokens outputTokens costMicros virtualKey { id } } }',
        1,
      );
      const spend = nextEvents<{ spendUpdated: Record<string, unknown> }>(
        client,
        'subscription { spendUpdated(filter: { models: ["gpt-4o-mini"] }) { requestId cost virtualKeyId } }',
        1,
      );
      await logsSubscribed();
      await spendSubscribed();
      expect((await chat(heimdall.url, 'openai/gpt-4o-mini')).status).toBe(200);
      const [log] = await logs;
      expect(log!.requestLogged).toMatchObject({
        model: 'gpt-4o-mini',
        status: 'SUCCESS',
        inputTokens: 11,
        outputTokens: 17,
        virtualKey: { id: 'vk-sync' },
      });
      const [event] = await spend;
      expect(event!.spendUpdated).toMatchObject({
        requestId: log!.requestLogged.id,
        virtualKeyId: 'vk-sync',
      });
      expect(event!.spendUpdated.cost).toBeGreaterThan(0);
    } finally {
      await client.dispose();
    }
  });
});
