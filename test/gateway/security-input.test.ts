/**
 * Issue 11: hostile request bodies. `fallbacks` is capped (each entry is a full upstream call);
 * mistyped count fields and `stream` are 400 `invalid_type` naming the field on every route
 * (chat, completions, Responses, the Anthropic route); JSON nested past MAX_JSON_DEPTH is a 400
 * `invalid_json` at parse time instead of a stack overflow later (a 500 before).
 */
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../gateway/http/json-depth.ts';
import { MAX_FALLBACKS } from '../../gateway/http/validate.ts';
import { chatBody, errorOf, key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

const suite = useMockedGateway((url) => snapshotOf({ providers: [provider('openai', url, [key()])] }));

const post = (path: string, body: unknown) => postJson(`${suite.gw.url}${path}`, body);
const chat = (extra: Record<string, unknown>) =>
  post('/v1/chat/completions', chatBody('openai/gpt-4o', extra));

describe('fallbacks', () => {
  it(`more than ${MAX_FALLBACKS} fallbacks is a 400 invalid_value naming fallbacks, before any upstream call`, async () => {
    suite.mock.reset();
    const fallbacks = Array.from({ length: 1000 }, () => 'openai/gpt-4o');
    const response = await chat({ fallbacks });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'invalid_value', param: 'fallbacks' });
    expect(errorOf(response).message).toContain(`at most ${MAX_FALLBACKS}`);
    expect(suite.mock.requests).toHaveLength(0);
  });

  it(`exactly ${MAX_FALLBACKS} fallbacks are accepted`, async () => {
    const fallbacks = Array.from({ length: MAX_FALLBACKS }, () => 'openai/gpt-4o-mini');
    expect((await chat({ fallbacks })).status).toBe(200);
  });
});

describe('mistyped fields Heimdall reads', () => {
  it.each([
    ['/v1/chat/completions', chatBody('openai/gpt-4o', { max_tokens: '100' }), 'max_tokens'],
    [
      '/v1/chat/completions',
      chatBody('openai/gpt-4o', { max_completion_tokens: [5] }),
      'max_completion_tokens',
    ],
    ['/v1/chat/completions', chatBody('openai/gpt-4o', { n: 'two' }), 'n'],
    ['/v1/chat/completions', chatBody('openai/gpt-4o', { n: 1.5 }), 'n'],
    ['/v1/chat/completions', chatBody('openai/gpt-4o', { stream: 'true' }), 'stream'],
    ['/v1/completions', { model: 'openai/gpt-4o', prompt: 'hi', max_tokens: {} }, 'max_tokens'],
    ['/v1/completions', { model: 'openai/gpt-4o', prompt: 'hi', n: true }, 'n'],
    ['/v1/completions', { model: 'openai/gpt-4o', prompt: 'hi', stream: 1 }, 'stream'],
    ['/v1/responses', { model: 'openai/gpt-4o', input: 'hi', max_output_tokens: '9' }, 'max_output_tokens'],
    ['/v1/responses', { model: 'openai/gpt-4o', input: 'hi', stream: 'yes' }, 'stream'],
  ])('%s with a mistyped %#: 400 invalid_type naming the field', async (path, body, field) => {
    const response = await post(path, body);
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_type',
      param: field,
    });
  });

  it.each([
    [{ n: 0 }, 'n'],
    [{ max_tokens: -1 }, 'max_tokens'],
  ])('an out-of-range count %j is a 400 invalid_value', async (extra, field) => {
    const response = await chat(extra);
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'invalid_value', param: field });
  });

  it('null and well-typed counts pass', async () => {
    expect((await chat({ max_tokens: null, n: 1, max_completion_tokens: 64 })).status).toBe(200);
  });

  it.each([
    ['max_tokens', { max_tokens: 'lots' }],
    ['stream', { max_tokens: 10, stream: 'yes' }],
  ])('the Anthropic route refuses a mistyped %s in its own envelope', async (field, extra) => {
    const response = await post('/anthropic/v1/messages', {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      ...extra,
    });
    expect(response.status).toBe(400);
    const error = response.body.error as { type: string; message: string };
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain(`"${field}"`);
  });
});

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('JSON nesting', () => {
  it.each([MAX_JSON_DEPTH + 1, 10_000, 100_000])(
    'a body nested %i deep is a 400 invalid_json, not a 500',
    async (depth) => {
      // The outer object is one level, so the array adds depth - 1.
      const body = `{"model":"openai/gpt-4o","messages":[{"role":"user","content":"x"}],"x":${nested(depth - 1)}}`;
      const response = await post('/v1/chat/completions', body);
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe('invalid_json');
      expect(errorOf(response).message).toContain(`deeper than ${MAX_JSON_DEPTH}`);
    },
  );

  it(`a body exactly ${MAX_JSON_DEPTH} deep is served`, async () => {
    const body = `{"model":"openai/gpt-4o","messages":[{"role":"user","content":"x"}],"x":${nested(MAX_JSON_DEPTH - 1)}}`;
    expect((await post('/v1/chat/completions', body)).status).toBe(200);
  });

  it('brackets and escaped quotes inside strings do not count as nesting', async () => {
    const content = `say \\"${'['.repeat(5000)}\\" and \\\\`;
    const body = `{"model":"openai/gpt-4o","messages":[{"role":"user","content":"${content}"}]}`;
    expect((await post('/v1/chat/completions', body)).status).toBe(200);
  });
});
