/**
 * A caller's own `x-request-id` (issue 13 item 3): Heimdall keeps its own id as the request's
 * key (`x-request-id` answer header, log row id) and carries the caller's beside it — echoed in
 * `x-client-request-id` and on the request log — when it is 1–128 printable ASCII characters.
 * Exercised with the official `openai` and `@anthropic-ai/sdk` clients, as callers send it.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestLog } from '../../gateway/core/attempt.ts';
import { usableClientRequestId } from '../../gateway/request-id.ts';
import { chatBody, key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const logs: RequestLog[] = [];
const suite = useMockedGateway(
  (url) => snapshotOf({ providers: [provider('openai', url, [key({ models: ['gpt-4o-mini'] })])] }),
  { onRequestFinished: (_ctx, log) => void logs.push(log) },
);

let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(() => {
  openai = new OpenAI({ apiKey: 'sk-unused', baseURL: suite.gw.baseURL, maxRetries: 0, timeout: 10_000 });
  anthropic = new Anthropic({
    apiKey: 'sk-unused',
    baseURL: `${suite.gw.url}/anthropic`,
    maxRetries: 0,
    timeout: 10_000,
  });
});
beforeEach(() => {
  logs.length = 0;
});

/** The log of the request whose answer carried Heimdall's `id` (logged as the response ends). */
async function logOf(id: string | null): Promise<RequestLog> {
  for (let i = 0; i < 200 && !logs.some((l) => l.id === id); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const log = logs.find((l) => l.id === id);
  if (!log) throw new Error(`no request log with id ${id}`);
  return log;
}

const ask = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('caller x-request-id', () => {
  it('openai SDK: echoed in x-client-request-id and logged beside Heimdall’s own id', async () => {
    const callerId = 'caller-7f3a9c2e-openai';
    const { response } = await openai.chat.completions
      .create(ask, { headers: { 'x-request-id': callerId } })
      .withResponse();
    expect(response.headers.get('x-client-request-id')).toBe(callerId);
    const heimdallId = response.headers.get('x-request-id');
    expect(heimdallId).toMatch(UUID_V7);
    const log = await logOf(heimdallId);
    expect(log).toMatchObject({ id: heimdallId, clientRequestId: callerId, status: 200 });
  });

  it('openai SDK stream: echoed before the first event and logged', async () => {
    const callerId = 'trace:00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { data: stream, response } = await openai.chat.completions
      .create({ ...ask, stream: true }, { headers: { 'x-request-id': callerId } })
      .withResponse();
    expect(response.headers.get('x-client-request-id')).toBe(callerId);
    for await (const chunk of stream) void chunk;
    const log = await logOf(response.headers.get('x-request-id'));
    expect(log).toMatchObject({ clientRequestId: callerId, stream: true });
  });

  it('@anthropic-ai/sdk on /anthropic: messages and count_tokens echo it; the message is logged', async () => {
    const callerId = 'anthropic-caller-0001';
    const { response } = await anthropic.messages
      .create({ ...ask, max_tokens: 64 }, { headers: { 'x-request-id': callerId } })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-client-request-id')).toBe(callerId);
    const heimdallId = response.headers.get('x-request-id');
    expect(heimdallId).toMatch(UUID_V7);
    expect(await logOf(heimdallId)).toMatchObject({ id: heimdallId, clientRequestId: callerId });

    const counted = await anthropic.messages
      .countTokens(ask, { headers: { 'x-request-id': 'count-caller-1' } })
      .withResponse();
    expect(counted.response.headers.get('x-client-request-id')).toBe('count-caller-1');
  });

  it('two requests reusing one caller id stay two rows keyed by Heimdall’s ids (no replay)', async () => {
    const headers = { 'x-request-id': 'same-id-twice' };
    const first = await postJson(
      `${suite.gw.url}/v1/chat/completions`,
      chatBody('openai/gpt-4o-mini'),
      headers,
    );
    const second = await postJson(
      `${suite.gw.url}/v1/chat/completions`,
      chatBody('openai/gpt-4o-mini'),
      headers,
    );
    const ids = [first, second].map((r) => r.headers.get('x-request-id'));
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect(await logOf(id)).toMatchObject({ clientRequestId: 'same-id-twice' });
  });

  it('is echoed on a refused request too (its log row is still written)', async () => {
    const refused = await postJson(`${suite.gw.url}/v1/chat/completions`, '{not json', {
      'x-request-id': 'caller-bad-body',
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-client-request-id')).toBe('caller-bad-body');
    const log = await logOf(refused.headers.get('x-request-id'));
    expect(log).toMatchObject({ status: 400, clientRequestId: 'caller-bad-body' });
  });

  it('a hostile value (too long, tab, non-ASCII) is ignored whole: served, not echoed, not logged', async () => {
    const exactlyMax = 'x'.repeat(128);
    const hostile = ['x'.repeat(129), 'y'.repeat(10_000), 'a\tb', 'caf\u00e9'];
    for (const value of [...hostile, exactlyMax]) {
      const { response } = await openai.chat.completions
        .create(ask, { headers: { 'x-request-id': value } })
        .withResponse();
      const log = await logOf(response.headers.get('x-request-id'));
      const kept = value === exactlyMax ? value : null;
      expect(response.headers.get('x-client-request-id'), JSON.stringify(value.slice(0, 20))).toBe(kept);
      expect(log.clientRequestId).toBe(kept ?? undefined);
      expect(log.id).toMatch(UUID_V7);
    }
  });

  it('without one, only Heimdall’s id is sent', async () => {
    const { response } = await openai.chat.completions.create(ask).withResponse();
    expect(response.headers.get('x-client-request-id')).toBeNull();
    expect((await logOf(response.headers.get('x-request-id'))).clientRequestId).toBeUndefined();
  });
});

describe('usableClientRequestId', () => {
  it('keeps 1–128 printable ASCII characters and nothing else', () => {
    expect(usableClientRequestId('req_123 abc/~!')).toBe('req_123 abc/~!');
    expect(usableClientRequestId('z'.repeat(128))).toBe('z'.repeat(128));
    for (const bad of ['', 'z'.repeat(129), 'a\tb', 'a\u0000b', 'a\u007fb', '\u00e9', '\u{1f600}'])
      expect(usableClientRequestId(bad)).toBeUndefined();
    expect(usableClientRequestId(undefined)).toBeUndefined();
    expect(usableClientRequestId(['a', 'b'])).toBeUndefined();
  });
});
