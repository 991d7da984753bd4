/**
 * A loopback upstream answering by path (one handler per route, the request body ignored) and the
 * UpstreamPools that reach it, started before a test file's tests and closed after them: what the
 * tests of the two upstream dispatch handlers (whole answers, streams) both talk to.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { UpstreamPools } from '../../gateway/upstream/pools.ts';

export type Route = (res: ServerResponse) => void;

export interface RouteUpstream {
  /** `http://127.0.0.1:<port>`, set once the server listens (read it inside tests). */
  readonly origin: string;
  readonly pools: UpstreamPools;
}

export function useRouteUpstream(routes: Record<string, Route>): RouteUpstream {
  let server: Server | undefined;
  const upstream = { origin: '', pools: undefined as unknown as UpstreamPools };
  beforeAll(async () => {
    const listening = createServer((req, res) => {
      req.resume();
      routes[req.url ?? '']!(res);
    });
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    upstream.origin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    upstream.pools = new UpstreamPools('mock', {
      connections: 4,
      connectTimeoutMs: 1000,
      headersTimeoutMs: 2000,
    });
  });
  afterAll(async () => {
    await upstream.pools.destroy();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });
  return upstream;
}
