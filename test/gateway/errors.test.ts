/**
 * Client-visible errors: the OpenAI envelope with all four keys, the statuses of ARCHITECTURE.md
 * (400 naming the field, 413, 404/405), and which requests the gateway does not claim.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { chatBody, errorOf, key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

const suite = useMockedGateway((url) =>
  snapshotOf({
    client: { max_request_body_size_mb: 0.01 },
    providers: [provider('openai', url, [key()])],
  }),
);

const chatUrl = () => `${suite.gw.url}/v1/chat/completions`;

function expectEnvelope(body: Record<string, unknown>): void {
  const error = body.error as Record<string, unknown>;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
}

describe('input errors', () => {
  it.each([
    ['malformed JSON', '{"model": ', 'invalid_json', null],
    ['a non-object body', '[1,2]', 'invalid_body', null],
    [
      'a missing model',
      JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
      'missing_field',
      'model',
    ],
    ['a model of the wrong type', JSON.stringify({ model: 42, messages: [] }), 'invalid_type', 'model'],
    ['missing messages', JSON.stringify({ model: 'openai/gpt-4o' }), 'missing_field', 'messages'],
    [
      'messages not an array',
      JSON.stringify({ model: 'openai/gpt-4o', messages: 'hi' }),
      'invalid_type',
      'messages',
    ],
    [
      'stream not a boolean',
      JSON.stringify(chatBody('openai/gpt-4o', { stream: 'yes' })),
      'invalid_type',
      'stream',
    ],
    [
      'fallbacks not an array',
      JSON.stringify(chatBody('openai/gpt-4o', { fallbacks: 'x' })),
      'invalid_type',
      'fallbacks',
    ],
    [
      'an unknown fallback provider',
      JSON.stringify(chatBody('openai/gpt-4o', { fallbacks: [{ provider: 'nope', model: 'x' }] })),
      'provider_not_configured',
      'provider',
    ],
  ])('%s is a 400 naming the field', async (_name, body, code, param) => {
    const response = await postJson(chatUrl(), body);
    expect(response.status).toBe(400);
    expectEnvelope(response.body);
    expect(errorOf(response)).toMatchObject({ type: 'invalid_request_error', code, param });
  });

  it('a body over max_request_body_size_mb is a 413', async () => {
    const response = await postJson(chatUrl(), chatBody('openai/gpt-4o', { padding: 'x'.repeat(20_000) }));
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('request_too_large');
  });

  it('a chunked body over the limit is a 413 too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        chatUrl(),
        { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(1000));
      req.end();
    });
    expect(status).toBe(413);
  });
});

describe('routes', () => {
  it('an unknown /v1 route is a 404 in the envelope', async () => {
    const response = await postJson(`${suite.gw.url}/v1/nothing-here`, {});
    expect(response.status).toBe(404);
    expectEnvelope(response.body);
  });

  it('a wrong method is a 405 with Allow', async () => {
    const response = await fetch(chatUrl());
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('the Anthropic route answers errors in the Anthropic envelope', async () => {
    const response = await postJson(`${suite.gw.url}/anthropic/v1/messages`, {});
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const unknown = await postJson(`${suite.gw.url}/anthropic/v1/nothing`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('does not claim non-inference paths', async () => {
    for (const path of ['/health', '/metrics', '/graphql', '/v1']) {
      const response = await fetch(`${suite.gw.url}${path}`);
      expect(response.status).toBe(418); // the harness's "not a gateway route"
    }
  });
});
