/** Small pure pieces: backoff and Retry-After, the transport error table, the limiter, extra_fields splicing. */
import { describe, expect, it } from 'vitest';
import { extraFieldsJson, spliceExtraFields } from '../../gateway/http/openai-codec.ts';
import { Limiter } from '../../gateway/upstream/limiter.ts';
import { parseRetryAfter, retryDelayMs } from '../../gateway/engine/retry.ts';
import { GatewayError } from '../../gateway/core/errors.ts';
import { mapTransportError } from '../../gateway/upstream/error-map.ts';

describe('retry timing', () => {
  const policy = { maxRetries: 5, backoffInitialMs: 100, backoffMaxMs: 1000, maxRetryAfterMs: 5000 };

  it('backs off exponentially with jitter, between the initial and the max', () => {
    for (let retry = 0; retry < 8; retry++) {
      for (let i = 0; i < 200; i++) {
        const delay = retryDelayMs(policy, retry, undefined)!;
        const ceiling = Math.min(1000, 100 * 2 ** retry);
        expect(delay).toBeGreaterThanOrEqual(100);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('honours Retry-After, and gives up on one longer than the request timeout', () => {
    expect(retryDelayMs(policy, 0, 2)).toBe(2000);
    expect(retryDelayMs(policy, 0, 0.25)).toBe(250);
    expect(retryDelayMs(policy, 0, 60)).toBeUndefined();
  });

  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '1500', 'retry-after': '9' })).toBe(1.5);
    expect(parseRetryAfter({ 'retry-after': '3' })).toBe(3);
    const date = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter({ 'retry-after': date })).toBeGreaterThan(8);
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({})).toBeUndefined();
  });
});

describe('transport error table', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });

  it.each([
    ['ECONNREFUSED', 502, 'upstream_unreachable', true],
    ['ECONNRESET', 502, 'upstream_connection_reset', true],
    ['UND_ERR_SOCKET', 502, 'upstream_connection_reset', true],
    ['UND_ERR_CONNECT_TIMEOUT', 504, 'upstream_connect_timeout', true],
    ['UND_ERR_HEADERS_TIMEOUT', 504, 'upstream_timeout', false],
    ['UND_ERR_BODY_TIMEOUT', 504, 'upstream_timeout', false],
    ['HPE_INVALID_CONSTANT', 502, 'upstream_invalid_response', false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 502, 'upstream_tls_error', false],
    ['SOMETHING_ELSE', 502, 'upstream_error', false],
  ])('%s → %i %s (retryable %s)', (code, status, mapped, retryable) => {
    const error = mapTransportError(err(code), 'openai');
    expect(error).toMatchObject({ status, code: mapped, type: 'upstream_error', retryable });
    expect(error.message).toContain('openai');
  });

  it('finds the code inside AggregateError (happy eyeballs) and maps aborts to client_closed', () => {
    expect(mapTransportError(new AggregateError([err('ECONNREFUSED')]), 'x').code).toBe(
      'upstream_unreachable',
    );
    expect(mapTransportError(err('UND_ERR_ABORTED'), 'x').status).toBe(499);
    const gatewayError = new GatewayError(418, 'upstream_error', 'teapot', 'kept');
    expect(mapTransportError(gatewayError, 'x')).toBe(gatewayError);
  });
});

describe('Limiter', () => {
  it('admits up to concurrency, queues up to buffer, then refuses when dropping excess', async () => {
    const limiter = new Limiter('p', 1, 1, true);
    const signal = new AbortController().signal;
    expect(limiter.acquire(signal)).toBeUndefined();
    const queued = limiter.acquire(signal);
    expect(queued).toBeInstanceOf(Promise);
    await expect(limiter.acquire(signal)).rejects.toMatchObject({
      status: 429,
      code: 'queue_full',
      retryAfterSeconds: 1,
    });
    limiter.release();
    await expect(queued).resolves.toBeUndefined();
    expect(limiter.active).toBe(1);
    limiter.release();
    expect(limiter.active).toBe(0);
  });

  it('drops a waiter whose client left, and grows with a config change', async () => {
    const limiter = new Limiter('p', 1, 10, false);
    const gone = new AbortController();
    limiter.acquire(new AbortController().signal);
    const waiting = limiter.acquire(gone.signal)!;
    const other = limiter.acquire(new AbortController().signal)!;
    gone.abort();
    await expect(waiting).rejects.toMatchObject({ status: 499 });
    expect(limiter.queued).toBe(1);
    limiter.update(2, 10, false);
    await expect(other).resolves.toBeUndefined();
    expect(limiter.active).toBe(2);
  });
});

describe('spliceExtraFields', () => {
  const extra = { provider: 'p', model_requested: 'm', latency: 3, fallback_index: 0 };
  it('inserts before the closing brace, keeping the provider bytes', () => {
    const spliced = spliceExtraFields('{"id":"x","usage":{"a":1}}\n', extra)!;
    expect(JSON.parse(spliced)).toEqual({ id: 'x', usage: { a: 1 }, extra_fields: extra });
    expect(JSON.parse(spliceExtraFields('{ }', extra)!)).toEqual({ extra_fields: extra });
  });

  it('writes extra_fields exactly as JSON.stringify does, escapes included', () => {
    for (const sample of [
      extra,
      { provider: 'a"b\\c', model_requested: 'modèle\n\u2028', latency: 12345, fallback_index: 2 },
      { provider: '', model_requested: '', latency: -0, fallback_index: 0 },
    ])
      expect(extraFieldsJson(sample)).toBe(JSON.stringify(sample));
    expect(spliceExtraFields('{"id":"x"}', extra)).toBe(`{"id":"x","extra_fields":${JSON.stringify(extra)}}`);
  });

  it('writes each answer its own latency and index past the memoised provider and model', () => {
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 300; i++) {
        const sample = {
          provider: `p${i % 3}`,
          model_requested: `m${i}`,
          latency: i + round,
          fallback_index: round,
        };
        expect(extraFieldsJson(sample)).toBe(JSON.stringify(sample));
      }
  });
});
