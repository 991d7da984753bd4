/** Every inference answer carries `x-request-id`: the id of the request-log row it produced. */
import { describe, expect, it } from 'vitest';
import type { RequestLog } from '../../gateway/core/attempt.ts';
import { chatBody, key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

const logs: RequestLog[] = [];
const suite = useMockedGateway(
  (url) => snapshotOf({ providers: [provider('openai', url, [key({ models: ['gpt-4o'] })])] }),
  { onRequestFinished: (_ctx, log) => void logs.push(log) },
);

/** The log row of the request whose answer carried `id` (logged when the response ends). */
async function logOf(id: string | null): Promise<RequestLog | undefined> {
  for (let i = 0; i < 50 && !logs.some((l) => l.id === id); i++) await new Promise((r) => setTimeout(r, 10));
  return logs.find((l) => l.id === id);
}

describe('x-request-id', () => {
  it('names the request log of a success, an upstream error and a refused request, each its own', async () => {
    const ok = await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
    suite.mock.enqueue({ kind: 'status', status: 500 });
    const upstreamError = await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
    const refused = await postJson(`${suite.gw.url}/v1/chat/completions`, '{not json');
    expect([ok.status, upstreamError.status, refused.status]).toEqual([200, 500, 400]);
    const ids = [ok, upstreamError, refused].map((r) => r.headers.get('x-request-id'));
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
    expect((await logOf(ids[0]!))?.status).toBe(200);
    expect((await logOf(ids[1]!))?.status).toBe(500);
    expect((await logOf(ids[2]!))?.status).toBe(400);
  });

  it('is sent on a streamed answer before its first event', async () => {
    const response = await fetch(`${suite.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody('openai/gpt-4o', { stream: true })),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const id = response.headers.get('x-request-id');
    await response.text();
    expect((await logOf(id))?.stream).toBe(true);
  });
});
