/**
 * The relay's fast path for chunks of whole `data:` events (finish-stream.ts relayWholeEvents):
 * each upstream body here is written in one piece, so it reaches the relay as one chunk, and the
 * client and the request log must see exactly what the event-by-event path gives: the usage event
 * captured, an error event failing the attempt, events after `[DONE]` dropped, and a stream
 * without usage estimated from what was relayed, the same as when the events come split.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLog } from '../../gateway/core/attempt.ts';
import type { HttpMock } from '../mocks/http-mock.ts';
import {
  contentChunk as chunk,
  sseOf as sse,
  startPiecewiseUpstream,
  USAGE_CHUNK as usageChunk,
} from '../support/sse-upstream.ts';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from './harness.ts';

const ERROR_EVENT = JSON.stringify({ error: { message: 'boom', code: 'overloaded' } });
const CONTENT = [chunk('Once upon a time, '), chunk('a gateway relayed '), chunk('every byte.')];
const USAGE = '{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}';
const DECOY = '{"prompt_tokens":90,"completion_tokens":90,"total_tokens":180}';
/** Usage events that only the top-level `usage` member may be read from. */
const USAGE_EVENTS = {
  nestedDecoy: `{"id":"c","choices":[{"index":0,"delta":{},"usage":${DECOY}}],"usage":${USAGE}}`,
  // JSON.parse keeps the last of a key given twice.
  twice: `{"id":"c","choices":[],"usage":${DECOY},"usage":${USAGE}}`,
  // Another member is not JSON (a leading zero): the provider's usage is still what it stated.
  malformedElsewhere: `{"id":"c","created":01,"choices":[],"usage":${USAGE}}`,
  // OpenAI's own shape when usage was asked for: `"usage":null` in every content event.
  nullsThenSpaced: [
    `{"id":"c","choices":[{"index":0,"delta":{"content":"say \\"usage\\": {"}}],"usage":null}`,
    `{"id":"c","choices":[{"index":0,"delta":{"content":"!"}}],"usage" : null}`,
    `{"id":"c","choices":[],"usage" :\t ${USAGE}}`,
  ],
  // More than one `"usage"` in a chunk: the last usage object stated is the one that counts.
  usageThenNull: [`{"id":"c","choices":[],"usage":${USAGE}}`, `{"id":"c","choices":[],"usage":null}`],
  usageThenNestedOnly: [
    `{"id":"c","choices":[],"usage":${USAGE}}`,
    `{"id":"c","choices":[],"x_groq":{"usage":${DECOY}}}`,
  ],
  decoyThenUsage: [`{"id":"c","choices":[],"usage":${DECOY}}`, `{"id":"c","choices":[],"usage":${USAGE}}`],
};

/** Upstream bodies by name, each a list of writes (a pause between them: a chunk each). */
const BODIES: Record<string, string[]> = {
  'with usage': [sse(...CONTENT, usageChunk, '[DONE]')],
  'in two chunks': [sse(...CONTENT), sse(usageChunk, '[DONE]')],
  'without usage, whole': [sse(...CONTENT, '[DONE]')],
  'without usage, split mid-event': (() => {
    const body = sse(...CONTENT, '[DONE]');
    return [body.slice(0, 30), body.slice(30, 100), body.slice(100)];
  })(),
  'usage beside a nested decoy': [sse(...CONTENT, USAGE_EVENTS.nestedDecoy, '[DONE]')],
  'usage key given twice': [sse(...CONTENT, USAGE_EVENTS.twice, '[DONE]')],
  'usage in an event malformed elsewhere': [sse(...CONTENT, USAGE_EVENTS.malformedElsewhere, '[DONE]')],
  'usage null in every event, then spaced': [sse(...USAGE_EVENTS.nullsThenSpaced, '[DONE]')],
  'usage, then a null usage': [sse(...CONTENT, ...USAGE_EVENTS.usageThenNull, '[DONE]')],
  'usage, then only a nested one': [sse(...CONTENT, ...USAGE_EVENTS.usageThenNestedOnly, '[DONE]')],
  'usage stated twice': [sse(...USAGE_EVENTS.decoyThenUsage, '[DONE]')],
  'error first': [sse(ERROR_EVENT, '[DONE]')],
  'events after [DONE]': [sse(CONTENT[0]!, '[DONE]', CONTENT[1]!)],
  'error after content, whole': [sse(CONTENT[0]!, ERROR_EVENT, '[DONE]')],
  'error after content, split': (() => {
    const body = sse(CONTENT[0]!, ERROR_EVENT, '[DONE]');
    return [body.slice(0, 50), body.slice(50)];
  })(),
};

let upstream: HttpMock;
let running: RunningGateway;
const logs: RequestLog[] = [];

beforeAll(async () => {
  upstream = await startPiecewiseUpstream(BODIES);
  running = await startGateway(
    snapshotOf({
      providers: [provider('openai', upstream.url, [key()], { network_config: { max_retries: 0 } })],
    }),
    { onRequestFinished: (_ctx, log) => logs.push(log) },
  );
});

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

/** Streams the body named `name`; the client asks for usage, so nothing is dropped from it. */
async function stream(name: string): Promise<{ status: number; text: string; log: RequestLog }> {
  const before = logs.length;
  const response = await fetch(`${running.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      stream: true,
      stream_options: { include_usage: true },
      user: name,
    }),
  });
  const text = await response.text();
  await expect.poll(() => logs.length).toBe(before + 1);
  return { status: response.status, text, log: logs[before]! };
}

/** Each named body is relayed unchanged and charged USAGE (3 in, 2 out). */
async function expectUsageCounted(names: string[]): Promise<void> {
  for (const name of names) {
    const { text, log } = await stream(name);
    expect(text, name).toBe(BODIES[name]![0]);
    expect(log.usage, name).toEqual({ inputTokens: 3, outputTokens: 2, totalTokens: 5 });
  }
}

describe('SSE relay, chunks of whole events', () => {
  it("forwards the chunk as it came and captures the provider's usage", async () => {
    const { status, text, log } = await stream('with usage');
    expect(status).toBe(200);
    expect(text).toBe(BODIES['with usage']![0]);
    expect(log.usage).toEqual({ inputTokens: 3, outputTokens: 2, totalTokens: 5 });
  });

  it('captures usage from a later chunk, after a chunk without it', async () => {
    const { text, log } = await stream('in two chunks');
    expect(text).toBe(sse(...CONTENT, usageChunk, '[DONE]'));
    expect(log.usage).toEqual({ inputTokens: 3, outputTokens: 2, totalTokens: 5 });
  });

  it('reads usage from the top-level member only, as JSON.parse would, even when another member is malformed', async () => {
    await expectUsageCounted([
      'usage beside a nested decoy',
      'usage key given twice',
      'usage in an event malformed elsewhere',
      'usage null in every event, then spaced',
    ]);
  });

  it('counts the last usage object a chunk states, not a later null or nested one', async () => {
    await expectUsageCounted([
      'usage, then a null usage',
      'usage, then only a nested one',
      'usage stated twice',
    ]);
  });

  it('estimates a stream without usage from what it relayed, as when its events come split', async () => {
    const whole = await stream('without usage, whole');
    const split = await stream('without usage, split mid-event');
    expect(whole.text).toBe(sse(...CONTENT, '[DONE]'));
    expect(split.text).toBe(whole.text);
    expect(whole.log.usage?.estimated).toBe(true);
    expect(whole.log.usage?.outputTokens).toBeGreaterThan(5);
    expect(whole.log.usage).toEqual(split.log.usage);
  });

  it('fails the attempt on an error event, writing nothing of the stream', async () => {
    const { status, text } = await stream('error first');
    expect(status).toBe(502);
    expect(text).toContain('boom');
    expect(text).not.toContain('[DONE]');
  });

  it('ends a committed stream on an error event as when its events come split', async () => {
    const whole = await stream('error after content, whole');
    const split = await stream('error after content, split');
    expect(whole.status).toBe(200);
    expect(whole.text).toContain('boom');
    expect(whole.text).toBe(split.text);
    expect(whole.log.status).toBe(502);
    expect(whole.log.status).toBe(split.log.status);
  });

  it('drops what follows [DONE] in the same chunk', async () => {
    const { text } = await stream('events after [DONE]');
    expect(text).toBe(sse(CONTENT[0]!, '[DONE]'));
  });
});
