/**
 * Acceptance: upstream faults give the documented client-visible result and nothing hangs past
 * its timeout. Timeouts here are short (1–2 s) so the suite stays fast and bounded.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MOCK_TEXT, startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import {
  chatBody,
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from './harness.ts';

let primary: OpenAIMock;
let backup: OpenAIMock;
let gw: RunningGateway;
let client: OpenAI;

const network = {
  max_retries: 2,
  retry_backoff_initial: 10,
  retry_backoff_max: 40,
  default_request_timeout_in_seconds: 1,
  stream_idle_timeout_in_seconds: 1,
};

beforeAll(async () => {
  primary = await startOpenAIMock();
  backup = await startOpenAIMock();
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('openai', primary.url, [key({ models: ['gpt-4o-mini'] })], { network_config: network }),
        provider('backup', backup.url, [key({ models: ['llama'] })], {
          network_config: { ...network, max_retries: 0 },
        }),
      ],
    }),
  );
  client = new OpenAI({ apiKey: 'unused', baseURL: gw.baseURL, maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gw?.close();
  await primary?.close();
  await backup?.close();
});

beforeEach(() => {
  primary.reset();
  backup.reset();
});

const chat = (extra: Record<string, unknown> = {}) =>
  postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o-mini', extra));

async function collect(
  stream: AsyncIterable<OpenAI.ChatCompletionChunk>,
): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

describe('retries and fallbacks', () => {
  it('retries a 429 after the Retry-After it was given, then succeeds', async () => {
    primary.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const response = await chat();
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(primary.requests).toHaveLength(2);
  });

  it('500×N exhausts the retries, then falls back to the second provider', async () => {
    primary.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'status', status: 500 }) as const));
    const response = await chat({ fallbacks: ['backup/llama'] });
    expect(response.status).toBe(200);
    expect(primary.requests).toHaveLength(3);
    expect(backup.requests).toHaveLength(1);
    expect(backup.requests[0]?.body.fallbacks).toBeUndefined();
    expect(response.headers.get('x-heimdall-provider')).toBe('backup');
    expect(response.headers.get('x-heimdall-model')).toBe('llama');
    expect(response.body.extra_fields).toMatchObject({
      provider: 'backup',
      model_requested: 'llama',
      fallback_index: 1,
    });
  });

  it("answers the primary's error, annotated with what was tried, when every target fails", async () => {
    primary.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'status', status: 503 }) as const));
    backup.enqueue({ kind: 'status', status: 500 });
    const response = await chat({ fallbacks: ['backup/llama'] });
    expect(response.status).toBe(503);
    const error = errorOf(response);
    expect(error.type).toBe('upstream_error');
    expect(error.message).toContain('openai responded 503');
    expect(error.message).toContain('tried: openai/gpt-4o-mini (503), backup/llama (500)');
  });

  it('a stream that fails before its first byte is retried like a plain request', async () => {
    primary.enqueue({ kind: 'status', status: 502 });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const { text, error } = await collect(stream);
    expect(error).toBeUndefined();
    expect(text).toBe(MOCK_TEXT);
    expect(primary.requests).toHaveLength(2);
  });
});

describe('transport faults', () => {
  it('connection reset on every try is a 502 after the retries', async () => {
    primary.enqueue({ kind: 'reset' }, { kind: 'reset' }, { kind: 'reset' });
    const response = await chat();
    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({
      type: 'upstream_error',
      code: 'upstream_connection_reset',
      param: null,
    });
    expect(primary.requests).toHaveLength(3);
  });

  it('a provider that never answers is a 504 within the request timeout', async () => {
    // The mock never answers: only the request timeout can end this, and the code says it did.
    primary.enqueue({ kind: 'hang' });
    const response = await chat();
    expect(response.status).toBe(504);
    expect(errorOf(response).code).toBe('upstream_timeout');
  });

  it.each([
    ['cut short', undefined],
    // Each of these ends in `}`, so splicing extra_fields into it would "work": the answer must
    // still be refused as JSON.parse would refuse it.
    ['with a trailing comma', '{"id":"chatcmpl-x","choices":[],}'],
    ['with a closing brace too many', '{"id":"chatcmpl-x","choices":[]}}'],
    ['with a number JSON does not allow', '{"id":"chatcmpl-x","usage":{"prompt_tokens":01}}'],
    ['with a raw control character in a string', '{"id":"chatcmpl-\u0001x"}'],
    ['as an array', '[{"id":"chatcmpl-x"}]'],
    ['with text after the object', '{"id":"chatcmpl-x"} {}'],
  ])('malformed upstream JSON (%s) is a 502', async (_name, body) => {
    primary.enqueue({ kind: 'malformed-json', ...(body !== undefined ? { body } : {}) });
    const response = await chat();
    expect(response.status).toBe(502);
    expect(errorOf(response).code).toBe('upstream_invalid_response');
  });

  it.each([
    ['', {}],
    // A stream request fails before its first byte: an ordinary JSON error, not an error event.
    [' (a stream request)', { stream: true }],
  ])(
    'an upstream HTTP error keeps its status and message, marked as the provider side%s',
    async (_name, extra) => {
      primary.enqueue({
        kind: 'status',
        status: 401,
        body: {
          error: {
            message: 'Incorrect API key provided',
            type: 'invalid_request_error',
            code: 'invalid_api_key',
            param: null,
          },
        },
      });
      const response = await chat(extra);
      expect(response.status).toBe(401);
      expect(errorOf(response)).toEqual({
        message: 'openai responded 401: Incorrect API key provided',
        type: 'upstream_error',
        code: 'invalid_api_key',
        param: null,
      });
    },
  );
});

describe('streams that break', () => {
  it('a stream request answered with JSON is a 502 before anything reaches the client', async () => {
    // The mock answers every try (the first and both retries) with a 200 application/json.
    for (let i = 0; i <= network.max_retries; i++) primary.enqueue({ kind: 'malformed-json' });
    const response = await chat({ stream: true });
    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({
      code: 'upstream_invalid_response',
      message: 'openai answered a stream request with JSON',
    });
  });

  it('a stall mid-stream ends with an error event after the idle timeout', async () => {
    // The mock never sends the rest: only the idle timeout can end this stream, and the error
    // code says it did (no wall-clock bound: that would measure the CI machine, not Heimdall).
    primary.enqueue({ kind: 'stall-mid-stream', afterChunks: 2 });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const { text, error } = await collect(stream);
    expect(text.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_timeout');
  });

  it('a truncated SSE stream ends with an error event, never a clean end', async () => {
    primary.enqueue({ kind: 'truncate-stream', afterChunks: 3 });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const { error } = await collect(stream);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_stream_truncated');
  });

  it('a connection reset mid-stream ends with an error event', async () => {
    primary.enqueue({ kind: 'reset-mid-stream', afterChunks: 2 });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const { error } = await collect(stream);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_connection_reset');
  });

  it('a client that disconnects mid-stream frees the upstream connection', async () => {
    primary.enqueue({ kind: 'slow-stream', intervalMs: 20, repeat: 500 });
    const controller = new AbortController();
    const closed = primary.nextSocketClose(3000);
    const stream = await client.chat.completions.create(
      { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    for await (const _chunk of stream) {
      if (++chunks === 3) controller.abort();
    }
    await expect(closed).resolves.toBeUndefined();
    expect(chunks).toBe(3);
  });
});
