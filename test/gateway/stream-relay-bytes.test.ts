/**
 * The OpenAI pass-through relay forwards an upstream chunk's own bytes when they are exactly the
 * events it holds (finish-stream.ts, SseParser.verbatim): whatever the upstream's framing and
 * however its bytes are split, the client must read the same canonical events as when each event
 * is formatted again, and the usage-only chunk Heimdall asked for must still be dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEvent } from '../../gateway/providers/sse-parser.ts';
import type { HttpMock } from '../mocks/http-mock.ts';
import {
  contentChunk as chunk,
  sseOf,
  startPiecewiseUpstream,
  USAGE_CHUNK as usageChunk,
} from '../support/sse-upstream.ts';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from './harness.ts';

const EVENTS = [chunk('hé'), chunk('llo'), usageChunk, '[DONE]'];
const CANONICAL = sseOf(...EVENTS);

/** Upstream bodies, each a list of writes (a pause between them, so each tends to be a chunk). */
const BODIES: Record<string, string[]> = {
  whole: [CANONICAL],
  'one event per write': EVENTS.map((data) => formatEvent(undefined, data)),
  'split mid-event and mid-character': [
    CANONICAL.slice(0, 40),
    CANONICAL.slice(40, 150),
    CANONICAL.slice(150),
  ],
  'CRLF and comments': [`: hi\r\n\r\n${CANONICAL.replaceAll('\n', '\r\n')}`],
  'no space after the colon': [CANONICAL.replaceAll('data: ', 'data:')],
};

let upstream: HttpMock;
let running: RunningGateway;

beforeAll(async () => {
  upstream = await startPiecewiseUpstream(BODIES);
  running = await startGateway(snapshotOf({ providers: [provider('openai', upstream.url, [key()])] }));
});

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

async function stream(name: string, withUsage: boolean): Promise<string> {
  const response = await fetch(`${running.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      user: name,
      ...(withUsage ? { stream_options: { include_usage: true } } : {}),
    }),
  });
  expect(response.status).toBe(200);
  return response.text();
}

describe('SSE pass-through relay', () => {
  it.each(Object.keys(BODIES))('relays canonical events for an upstream body sent %s', async (name) => {
    expect(await stream(name, true)).toBe(CANONICAL);
  });

  it.each(Object.keys(BODIES))('drops the injected usage-only chunk (%s)', async (name) => {
    const without = EVENTS.filter((data) => data !== usageChunk);
    expect(await stream(name, false)).toBe(sseOf(...without));
  });
});
