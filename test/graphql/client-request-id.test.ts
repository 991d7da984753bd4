/**
 * A caller's own `x-request-id` end to end, on both dialects: Heimdall as `npm start` runs it,
 * called through the official `openai` and `@anthropic-ai/sdk` clients; the stored log row is
 * keyed by Heimdall's id (the `x-request-id` answer header) and found by
 * `requestLogs(filter: { clientRequestId })`, which exposes `RequestLog.clientRequestId`.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHeimdall } from '../../api/start.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { DIALECTS } from './harness.ts';
import { graphql, liveConfig, startLive, until, VK_TOKEN } from './live-stack.ts';

const QUERY = `query ($filter: RequestLogFilter) {
  requestLogs(first: 50, filter: $filter) { edges { node { id clientRequestId statusCode endpoint } } } }`;

interface LogNode {
  id: string;
  clientRequestId: string | null;
  statusCode: number;
  endpoint: string;
}
type Page = { requestLogs: { edges: Array<{ node: LogNode }> } };

const APP_ORIGIN = 'https://app.example.com';

const ask = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe.each(DIALECTS)('caller x-request-id in requestLogs (%s)', (dialect) => {
  let mock: OpenAIMock;
  let pg: TestDatabase | undefined;
  let heimdall: RunningHeimdall;

  beforeAll(async () => {
    mock = await startOpenAIMock();
    if (dialect === 'postgres') pg = await createTestDatabase('heimdall_client_rid');
    const config = { ...liveConfig(mock.url), client: { allowed_origins: [APP_ORIGIN] } };
    heimdall = await startLive(config, pg ? { DATABASE_URL: pg.url } : {});
  });
  afterAll(async () => {
    await heimdall?.stop();
    await mock?.close();
    await pg?.drop();
  });

  const logs = async (filter: Record<string, unknown> = {}) =>
    (await graphql<Page>(heimdall.url, QUERY, { filter })).requestLogs.edges.map((e) => e.node);

  /** The rows the caller id finds, once the request with Heimdall id `id` has been written. */
  async function findByCallerId(callerId: string, id: string | null): Promise<LogNode[]> {
    // Logs are written behind the response (batched): wait for the row, with a generous bound.
    await until(async () => (await logs()).some((log) => log.id === id), 15_000);
    return logs({ clientRequestId: callerId });
  }

  it('openai SDK: the row is keyed by Heimdall’s id and found by the caller’s', async () => {
    const openai = new OpenAI({ apiKey: VK_TOKEN, baseURL: `${heimdall.url}/v1`, maxRetries: 0 });
    const callerId = `openai-caller-${dialect}`;
    const { response } = await openai.chat.completions
      .create(ask, { headers: { 'x-request-id': callerId } })
      .withResponse();
    expect(response.headers.get('x-client-request-id')).toBe(callerId);
    const id = response.headers.get('x-request-id');
    expect(id).not.toBe(callerId);
    expect(await findByCallerId(callerId, id)).toEqual([
      { id, clientRequestId: callerId, statusCode: 200, endpoint: '/v1/chat/completions' },
    ]);
  });

  it('@anthropic-ai/sdk on /anthropic: the same, through the translated route', async () => {
    const anthropic = new Anthropic({
      apiKey: VK_TOKEN,
      baseURL: `${heimdall.url}/anthropic`,
      maxRetries: 0,
    });
    const callerId = `anthropic-caller-${dialect}`;
    const { response } = await anthropic.messages
      .create({ ...ask, max_tokens: 32 }, { headers: { 'x-request-id': callerId } })
      .withResponse();
    expect(response.headers.get('x-client-request-id')).toBe(callerId);
    const id = response.headers.get('x-request-id');
    const found = await findByCallerId(callerId, id);
    expect(found.map((log) => [log.id, log.clientRequestId, log.statusCode])).toEqual([[id, callerId, 200]]);
  });

  it('a too-long caller id is not stored: the row exists with clientRequestId null', async () => {
    const openai = new OpenAI({ apiKey: VK_TOKEN, baseURL: `${heimdall.url}/v1`, maxRetries: 0 });
    const hostile = `long-${'z'.repeat(300)}`;
    const { response } = await openai.chat.completions
      .create(ask, { headers: { 'x-request-id': hostile } })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-client-request-id')).toBeNull();
    const id = response.headers.get('x-request-id');
    expect(await findByCallerId(hostile, id)).toEqual([]);
    expect((await logs()).find((log) => log.id === id)?.clientRequestId).toBeNull();
  });

  it('a browser app may read x-client-request-id (CORS exposes it)', async () => {
    const response = await fetch(`${heimdall.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        origin: APP_ORIGIN,
        'content-type': 'application/json',
        'x-bf-vk': VK_TOKEN,
        'x-request-id': 'browser-caller-1',
      },
      body: JSON.stringify(ask),
    });
    await response.arrayBuffer();
    expect(response.headers.get('x-client-request-id')).toBe('browser-caller-1');
    const exposed = response.headers.get('access-control-expose-headers')?.split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'x-client-request-id']));
  });
});
