/**
 * Issue 11, High 2 and High 6 against a started Heimdall (a child process, as `npm start` runs it,
 * auth off as by default): document bombs are refused while /livez keeps answering, and a
 * browser page on a foreign origin can neither open graphql-ws nor post to /graphql.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';

const APP = 'https://app.example.com';
const EVIL = 'http://evil.example';
const UPSERT =
  'mutation { upsertBudget(input: { id: "from-ws", maxLimit: 5, resetDuration: "1d" }) { __typename } }';

const aliases = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `v${i}: viewer { authEnabled }`).join(' ')} }`;

let heimdall: HeimdallChild;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-sec-gql-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ client: { allowed_origins: [APP] } }));
  heimdall = await startHeimdallChild({
    HEIMDALL_CONFIG: join(dir, 'config.json'),
    HEIMDALL_DATA_DIR: join(dir, 'data'),
    HEIMDALL_ENCRYPTION_KEY: 'security-graphql-test-key',
  });
});
afterAll(async () => {
  await heimdall?.stop();
});

const wsUrl = (path = '/graphql') => `${heimdall.url.replace('http', 'ws')}${path}`;

/** The HTTP status of a graphql-ws upgrade sent with `origin` (101 when it was accepted). */
function upgradeStatus(origin: string | undefined, path?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(path), 'graphql-transport-ws', origin ? { origin } : {});
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => {
      if (!error.message.startsWith('Unexpected server response')) reject(error);
    });
  });
}

/** Runs one operation over graphql-ws from a client that sends `origin`, as a browser page would. */
async function runOverWs(origin: string | undefined, query: string): Promise<unknown> {
  class BrowserLike extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, origin ? { origin } : {});
    }
  }
  const client = createClient({ url: wsUrl(), webSocketImpl: BrowserLike, retryAttempts: 0, lazy: true });
  try {
    return await new Promise((resolve, reject) => {
      client.subscribe({ query }, { next: resolve, error: reject, complete: () => undefined });
    });
  } finally {
    await client.dispose();
  }
}

describe('cross-site WebSocket hijacking', () => {
  it('refuses an upgrade from a foreign origin with 403 before the handshake', async () => {
    const refused = await upgradeStatus(EVIL);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({
      error: {
        message: `origin ${EVIL} is neither this server's origin nor in client.allowed_origins`,
        type: 'invalid_request_error',
        code: 'origin_not_allowed',
        param: null,
      },
    });
    await expect(runOverWs(EVIL, UPSERT)).rejects.toBeDefined();
    const budgets = await runOverWs(undefined, '{ budgets { totalCount } }');
    expect(budgets).toEqual({ data: { budgets: { totalCount: 0 } } });
  });

  it('accepts the same origin, an allowed origin and clients that send none', async () => {
    expect((await upgradeStatus(heimdall.url)).status).toBe(101);
    expect((await upgradeStatus(APP)).status).toBe(101);
    expect((await upgradeStatus(undefined)).status).toBe(101);
    expect(await runOverWs(APP, '{ configVersion }')).toEqual({
      data: { configVersion: expect.any(Number) },
    });
    expect(await runOverWs(heimdall.url, UPSERT)).toEqual({
      data: { upsertBudget: { __typename: 'Budget' } },
    });
  });

  it('answers an upgrade to any other path with 404 instead of holding the socket', async () => {
    const other = await upgradeStatus(undefined, '/v1/chat/completions');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body).error.code).toBe('not_found');
  });
});

describe('cross-site requests to /graphql over HTTP', () => {
  it('refuses a simple (non-preflighted) mutation from a foreign origin as CSRF', async () => {
    const res = await fetch(`${heimdall.url}/graphql`, {
      method: 'POST',
      headers: { origin: EVIL, 'content-type': 'text/plain' },
      body: JSON.stringify({ query: UPSERT }),
    });
    expect(res.status).toBe(403);
    expect(
      ((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code,
    ).toBe('CSRF_PREVENTED');
  });

  it('refuses the preflight a JSON post from a foreign origin needs', async () => {
    const res = await fetch(`${heimdall.url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: EVIL,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBe(403);
    await res.arrayBuffer();
  });

  it('refuses a mutation over GET, which EventSource (SSE) could send cross-site', async () => {
    const res = await fetch(`${heimdall.url}/graphql?query=${encodeURIComponent(UPSERT)}`, {
      headers: { origin: EVIL, accept: 'text/event-stream' },
    });
    expect(res.status).toBe(405);
    await res.arrayBuffer();
  });
});

describe('document bombs', () => {
  const livez = async () => (await fetch(`${heimdall.url}/livez`)).status;
  const post = (query: string) =>
    fetch(`${heimdall.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query }),
    });

  it('refuses 300,000 aliases (6.8 MB) by size while /livez answers', async () => {
    const bomb = post(aliases(300_000));
    expect(await livez()).toBe(200);
    const res = await bomb;
    expect(res.status).toBe(413);
    await res.arrayBuffer();
    expect(await livez()).toBe(200);
  });

  it('refuses a bomb under the size limit (30,000 aliases, 0.9 MB) at parse time while /livez answers', async () => {
    const bombs = [post(aliases(30_000)), post(aliases(30_001))];
    expect(await livez()).toBe(200);
    for (const res of await Promise.all(bombs)) {
      expect(res.status).toBe(400);
      expect(
        ((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions
          .code,
      ).toBe('DOCUMENT_TOO_LARGE');
    }
    expect(await livez()).toBe(200);
  });
});
