/**
 * The one HTTP server: inference routes go to the gateway first (the hot path, no framework),
 * then /health, /metrics and /graphql. Everything else is a JSON 404. CORS (api/cors.ts) comes first
 * for requests with an Origin header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../gateway/create-gateway.ts';
import { applyCors } from './cors.ts';
import { serveDashboard } from './dashboard-files.ts';
import { refuseWhileClosing, type ShutdownState } from './drain.ts';
import { limitBodyIdle } from './request-idle.ts';

export interface HttpRoutes {
  gateway: Gateway;
  /** Resolves when the database answers; rejects when it does not. */
  pingDatabase(): Promise<void>;
  /** Extra Prometheus text (control-plane metrics), appended to the gateway's. */
  controlPlaneMetrics?(): Promise<string>;
  /** The GraphQL handler (yoga), when the control plane is mounted. */
  graphql?: (req: IncomingMessage, res: ServerResponse) => void;
  /** How long a /graphql body may stall before 408 (api/request-idle.ts). */
  bodyIdleTimeoutMs?: number;
  /** Moved forward by drainHttpServer (api/drain.ts) on SIGTERM. @default always serving */
  shutdown?: ShutdownState;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function health(routes: HttpRoutes, res: ServerResponse): Promise<void> {
  // Not ready from the first moment of a drain, so the pod leaves the Service while it still serves.
  if (routes.shutdown && routes.shutdown.phase !== 'serving') {
    sendJson(res, 503, { status: 'draining', reason: 'shutting down: finishing requests in flight' });
    return;
  }
  try {
    await routes.pingDatabase();
    sendJson(res, 200, { status: 'ok', config_version: routes.gateway.snapshotVersion() });
  } catch (error) {
    sendJson(res, 503, {
      status: 'unavailable',
      reason: `database unreachable: ${(error as Error).message}`,
    });
  }
}

async function metrics(routes: HttpRoutes, res: ServerResponse): Promise<void> {
  const parts = [await routes.gateway.metrics()];
  if (routes.controlPlaneMetrics) parts.push(await routes.controlPlaneMetrics());
  const text = parts.join('\n');
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(text);
}

export function createHttpServer(routes: HttpRoutes): Server {
  const shutdown = routes.shutdown;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (shutdown?.phase === 'closing') return refuseWhileClosing(res);
    // CORS before routing (a preflight never reaches the gateway or GraphQL); same-origin and
    // server-to-server requests carry no Origin and pay only this lookup.
    const origin = req.headers.origin;
    if (origin !== undefined && applyCors(req, res, origin, routes.gateway.allowedOrigins())) return;
    if (routes.gateway.handle(req, res)) return;
    const path = (req.url ?? '/').split('?', 1)[0];
    // Liveness only says the process serves HTTP: a database outage must take pods out of the
    // Service (readiness, /health) but not restart them all, which would not bring it back.
    if (path === '/livez') sendJson(res, 200, { status: 'alive' });
    else if (path === '/health' || path === '/healthz' || path === '/readyz') void health(routes, res);
    else if (path === '/metrics' && req.method === 'GET') void metrics(routes, res);
    else if (path === '/graphql' && routes.graphql) {
      limitBodyIdle(req, res, routes.bodyIdleTimeoutMs);
      routes.graphql(req, res);
    } else if (!serveDashboard(req, res))
      sendJson(res, 404, {
        error: {
          message: `no route for ${req.method} ${path}`,
          type: 'invalid_request_error',
          code: 'not_found',
          param: null,
        },
      });
  };
  const server = createServer({ keepAliveTimeout: 65_000 }, handler);
  // No overall limit on receiving a request: inference bodies may be large and slow, so the
  // gateway (gateway/http/body.ts) and /graphql (request-idle.ts) bound how long a body may
  // stall instead. (Node's requestTimeout never cuts a response stream; only the request.)
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}

/** Listens on `port`/`host` (options first, then PORT/HOST, then 8080 on every interface); the bound port. */
export async function listen(
  server: Server,
  options: { port?: number | undefined; host?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const port = options.port ?? Number(env.PORT ?? 8080);
  const host = options.host ?? env.HOST ?? '0.0.0.0';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done());
  });
  return (server.address() as AddressInfo).port;
}
