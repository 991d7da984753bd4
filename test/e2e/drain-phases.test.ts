/**
 * The HTTP server's drain phases (api/drain.ts) over real loopback HTTP, in process: readiness off
 * while still serving, then 503 `shutting_down` + `Connection: close` for requests that arrive
 * on connections left open, and a drain that ends when the last response does (a keep-alive
 * connection does not hold it for the 65 s keep-alive timeout). The spawned-process SIGTERM test
 * is drain-sigterm.test.ts.
 */
import { Agent, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drainHttpServer, shutdownDelayMs, shutdownGraceMs, ShutdownState } from '../../api/drain.ts';
import { createHttpServer } from '../../api/http-server.ts';
import { createLogger } from '../../api/logger.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';

const silent = createLogger('error', () => undefined);

/**
 * A stand-in gateway: /v1/slow answers after `slowMs`, /v1/endless never, any other /v1 path at
 * once. `arrived` hears each /v1 request the gateway is handed.
 */
function fakeGateway(slowMs: number, arrived?: (url: string) => void): Gateway {
  return {
    handle: (req: IncomingMessage, res: ServerResponse) => {
      if (!req.url?.startsWith('/v1/')) return false;
      arrived?.(req.url);
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      };
      if (req.url === '/v1/endless') res.writeHead(200, { 'content-type': 'text/event-stream' });
      else if (req.url === '/v1/slow') setTimeout(answer, slowMs);
      else answer();
      return true;
    },
    metrics: async () => '',
    snapshotVersion: () => 1,
    allowedOrigins: () => [],
  } as unknown as Gateway;
}

interface Answer {
  status?: number;
  json?: unknown;
  connection?: string;
  error?: string;
}

function get(origin: string, path: string, agent: Agent | false): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(`${origin}${path}`, { agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, json: JSON.parse(text), connection: res.headers.connection }),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

const running: Server[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.closeAllConnections();
});

async function start(slowMs = 0, arrived?: (url: string) => void) {
  const shutdown = new ShutdownState();
  const server = createHttpServer({
    gateway: fakeGateway(slowMs, arrived),
    pingDatabase: () => Promise.resolve(),
    shutdown,
  });
  running.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, shutdown, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('drain phases', () => {
  it('while draining: /health 503 "draining", /livez 200, inference served as usual', async () => {
    const { shutdown, origin } = await start();
    expect((await get(origin, '/health', false)).status).toBe(200);
    shutdown.phase = 'draining';
    for (const path of ['/health', '/healthz', '/readyz']) {
      const ready = await get(origin, path, false);
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ status: 'draining' });
    }
    expect(await get(origin, '/livez', false)).toMatchObject({ status: 200, json: { status: 'alive' } });
    expect(await get(origin, '/v1/fast', false)).toMatchObject({ status: 200, json: { ok: true } });
  });

  it('once closing: a request on an open keep-alive connection gets 503 shutting_down and Connection: close', async () => {
    const { shutdown, origin } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(origin, '/v1/fast', agent)).connection).toBe('keep-alive');
      shutdown.phase = 'closing';
      const refused = await get(origin, '/v1/fast', agent);
      expect(refused.status).toBe(503);
      expect(refused.connection).toBe('close');
      expect(refused.json).toEqual({
        error: {
          message: expect.stringContaining('shutting down') as unknown,
          type: 'server_error',
          code: 'shutting_down',
          param: null,
        },
      });
    } finally {
      agent.destroy();
    }
  });

  it('serves through the delay, then refuses new connections and ends once the last response is sent', async () => {
    const { server, shutdown, origin } = await start(1_500);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // In flight across the whole drain, on a keep-alive connection.
      const slow = get(origin, '/v1/slow', agent);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const drained = drainHttpServer(server, shutdown, { delayMs: 500, logger: silent });
      expect(shutdown.phase).toBe('draining');
      expect(await get(origin, '/v1/fast', false)).toMatchObject({ status: 200 });
      while (shutdown.phase === 'draining') await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await get(origin, '/v1/fast', false)).error).toBe('ECONNREFUSED');
      expect(await slow).toMatchObject({ status: 200, json: { ok: true } });
      // The keep-alive connection the slow answer used is closed once idle, so the drain ends
      // well before Node's 65 s keep-alive timeout (this test's own timeout is 30 s).
      await drained;
      expect(shutdown.phase).toBe('closing');
    } finally {
      agent.destroy();
    }
  });

  it('cuts what is still in flight once the grace runs out, so the drain (and the flush after it) ends', async () => {
    // In flight means handed to the gateway: a connection that is open but whose request is not
    // parsed yet would be answered 503 shutting_down once the drain starts, a clean end.
    let inGateway!: () => void;
    const handed = new Promise<void>((resolve) => (inGateway = resolve));
    const { server, shutdown, origin } = await start(0, (url) => {
      if (url === '/v1/endless') inGateway();
    });
    const endless = get(origin, '/v1/endless', false);
    await handed;
    await drainHttpServer(server, shutdown, { delayMs: 0, cutAfterMs: 200, logger: silent });
    expect((await endless).error).toBeDefined();
  });

  it('reads HEIMDALL_SHUTDOWN_DELAY_SECONDS / _GRACE_SECONDS (defaults 5 and 55) and names a bad value', () => {
    expect(shutdownDelayMs({})).toBe(5_000);
    expect(shutdownGraceMs({})).toBe(55_000);
    expect(shutdownDelayMs({ HEIMDALL_SHUTDOWN_DELAY_SECONDS: '0' })).toBe(0);
    expect(shutdownDelayMs({ HEIMDALL_SHUTDOWN_DELAY_SECONDS: '2.5' })).toBe(2_500);
    expect(() => shutdownDelayMs({ HEIMDALL_SHUTDOWN_DELAY_SECONDS: 'soon' })).toThrow(
      'HEIMDALL_SHUTDOWN_DELAY_SECONDS: expected a number of seconds ≥ 0 (e.g. 5), got "soon"',
    );
    expect(() => shutdownGraceMs({ HEIMDALL_SHUTDOWN_GRACE_SECONDS: '-1' })).toThrow(
      /HEIMDALL_SHUTDOWN_GRACE_SECONDS: expected a number of seconds ≥ 0/,
    );
  });
});
