/**
 * Before any load: each target must answer the mock's completion (a misconfigured target fails
 * with its own message, not a statistic), and each streaming target must relay the whole SSE
 * stream. The sequential streaming check also times the first event.
 */
import { Agent, request } from 'undici';
import { chatRequest, completionId, streamEvents, streamRequest } from './fixtures.ts';
import type { Target } from './targets.ts';

async function post(url: string, headers: Record<string, string>, body: object) {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, text: await response.body.text() };
}

export async function checkCompletion(target: Target): Promise<void> {
  const { status, text } = await post(target.url, target.headers, chatRequest);
  if (status !== 200 || !text.includes(completionId))
    throw new Error(
      `${target.name}: expected 200 with the mock's completion, got ${status}: ${text.slice(0, 300)}`,
    );
}

/** A governed target must refuse a request without its virtual key, or it did not govern. */
export async function checkRefusesWithoutKey(target: Target): Promise<void> {
  const { status } = await post(target.url, {}, chatRequest);
  if (status !== 401) throw new Error(`${target.name}: no virtual key got ${status}, not 401`);
}

/** Whether a relayed SSE body carries exactly the mock's events, in order. */
export function sseMatches(text: string): string | undefined {
  const events = text
    .split('\n\n')
    .map((e) => e.trim())
    .filter(Boolean);
  const expected = streamEvents().map((e) => `data: ${e}`);
  if (events.length !== expected.length) return `expected ${expected.length} events, got ${events.length}`;
  for (const [i, event] of events.entries()) {
    if (event === expected[i]) continue;
    // A gateway may re-serialise a chunk; the content must still be the same JSON.
    const same = event.startsWith('data: {') && isSameJson(event.slice(6), expected[i]!.slice(6));
    if (!same) return `event ${i + 1} differs: ${event.slice(0, 100)}`;
  }
  return undefined;
}

function isSameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

export interface StreamTiming {
  /** Medians over the timed requests, ms. */
  firstEvent: number;
  total: number;
  requests: number;
}

/** `count` streamed requests one after the other on one connection; the first 3 are not timed. */
export async function checkStream(target: Target, count: number): Promise<StreamTiming> {
  const dispatcher = new Agent({ connections: 1, pipelining: 1 });
  const firstEvent: number[] = [];
  const total: number[] = [];
  try {
    for (let i = 0; i < count + 3; i++) {
      const started = performance.now();
      const response = await request(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...target.headers },
        body: JSON.stringify(streamRequest),
        dispatcher,
      });
      let text = '';
      let first = 0;
      for await (const chunk of response.body) {
        text += (chunk as Buffer).toString('utf8');
        if (first === 0 && text.includes('data:')) first = performance.now();
      }
      const ended = performance.now();
      if (response.statusCode !== 200) throw new Error(`${target.name}: stream got ${response.statusCode}`);
      const problem = sseMatches(text);
      if (problem) throw new Error(`${target.name}: incomplete stream: ${problem}`);
      if (i < 3) continue;
      firstEvent.push(first - started);
      total.push(ended - started);
    }
  } finally {
    await dispatcher.close();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
  return { firstEvent: median(firstEvent), total: median(total), requests: count };
}
