/**
 * CORS from `client.allowed_origins` on the real server (startHeimdall, SQLite in a temp dir) in
 * front of the loopback OpenAI mock: preflights, actual responses, /graphql, and a live change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHeimdall } from '../../api/start.ts';
import { graphql, liveConfig, startLive, until, VK_TOKEN } from '../graphql/live-stack.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.net';
const APPLY = `mutation($doc: JSON!) {
  applyConfig(document: $doc) { __typename ... on ValidationError { issues { path message } } }
}`;

const withOrigins = (mockUrl: string, origins: string[]) => ({
  ...liveConfig(mockUrl),
  client: { allowed_origins: origins },
});

function preflight(url: string, path: string, origin: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-bf-vk',
    },
  });
}

function chat(url: string, origin?: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-bf-vk': VK_TOKEN,
      ...(origin ? { origin } : {}),
    },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

function query(url: string, origin?: string): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
}

const corsHeaders = (res: Response): string[] =>
  [...res.headers.keys()].filter((name) => name.startsWith('access-control-'));

let mock: OpenAIMock;
beforeAll(async () => {
  mock = await startOpenAIMock();
});
afterAll(async () => {
  await mock.close();
});

describe('an origin list', () => {
  let heimdall: RunningHeimdall;
  beforeAll(async () => {
    heimdall = await startLive(withOrigins(mock.url, [APP]));
  });
  afterAll(async () => {
    await heimdall.stop();
  });

  it('answers a preflight from an allowed origin with 204 without reaching the provider', async () => {
    const before = mock.requests.length;
    for (const path of ['/v1/chat/completions', '/graphql']) {
      const res = await preflight(heimdall.url, path, APP);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('vary')).toBe('Origin');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE, OPTIONS');
      expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-bf-vk');
      expect(res.headers.get('access-control-max-age')).toBe('600');
    }
    expect(mock.requests.length).toBe(before);
  });

  it('refuses a preflight from another origin with a 403 JSON error and no CORS headers', async () => {
    const res = await preflight(heimdall.url, '/v1/chat/completions', EVIL);
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual([]);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('origin_not_allowed');
    expect(body.error.message).toBe(`origin ${EVIL} is not in client.allowed_origins`);
  });

  it('marks an actual chat completion from an allowed origin readable, and exposes the headers', async () => {
    const res = await chat(heimdall.url, APP);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('vary')).toBe('Origin');
    const exposed = res.headers.get('access-control-expose-headers')?.split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'retry-after', 'x-ratelimit-remaining']));
    await res.arrayBuffer();
  });

  it('serves a request from a disallowed origin as before, without CORS headers', async () => {
    const res = await chat(heimdall.url, EVIL);
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    await res.arrayBuffer();
  });

  it('adds nothing to a request without an Origin header', async () => {
    const res = await chat(heimdall.url);
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(res.headers.get('vary')).toBeNull();
    await res.arrayBuffer();
  });

  it('treats /graphql the same', async () => {
    const allowed = await query(heimdall.url, APP);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('x-request-id');
    await allowed.arrayBuffer();
    const plain = await query(heimdall.url);
    expect(plain.status).toBe(200);
    expect(corsHeaders(plain)).toEqual([]);
    await plain.arrayBuffer();
  });

  // graphql-yoga's default CORS would reflect every Origin (with allow-credentials) here; it is off
  // (api/graphql/server.ts) so api/cors.ts is the only CORS layer.
  it('gives /graphql from a disallowed origin no CORS headers', async () => {
    const res = await query(heimdall.url, EVIL);
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    await res.arrayBuffer();
  });

  it('follows a change of client.allowed_origins without a restart', async () => {
    const allows = async (origin: string) =>
      (await preflight(heimdall.url, '/v1/chat/completions', origin)).status === 204;
    await graphql(heimdall.url, APPLY, { doc: { client: { allowed_origins: [APP, EVIL] } } });
    await until(() => allows(EVIL), 2000);
    await graphql(heimdall.url, APPLY, { doc: { client: { allowed_origins: [APP] } } });
    await until(async () => !(await allows(EVIL)), 2000);
    expect(await allows(APP)).toBe(true);
  });
});

describe('a wildcard', () => {
  let heimdall: RunningHeimdall;
  beforeAll(async () => {
    heimdall = await startLive(withOrigins(mock.url, ['*']));
  });
  afterAll(async () => {
    await heimdall.stop();
  });

  it('allows any origin, echoing it rather than *', async () => {
    const res = await preflight(heimdall.url, '/v1/chat/completions', EVIL);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(EVIL);
    const actual = await chat(heimdall.url, 'http://localhost:3000');
    expect(actual.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    await actual.arrayBuffer();
  });
});

describe('an empty list', () => {
  let heimdall: RunningHeimdall;
  beforeAll(async () => {
    heimdall = await startLive(withOrigins(mock.url, []));
  });
  afterAll(async () => {
    await heimdall.stop();
  });

  it('allows no cross-origin access, not even localhost', async () => {
    for (const origin of [APP, 'http://localhost:3000']) {
      const pre = await preflight(heimdall.url, '/graphql', origin);
      expect(pre.status).toBe(403);
      expect(corsHeaders(pre)).toEqual([]);
      await pre.arrayBuffer();
      const res = await chat(heimdall.url, origin);
      expect(res.status).toBe(200);
      expect(corsHeaders(res)).toEqual([]);
      await res.arrayBuffer();
    }
  });
});
