/**
 * The dashboard's static file serving (api/dashboard-files.ts) over a real socket: SPA fallback,
 * cache headers, precompressed assets, content types, no way out of the directory, and the
 * routes it must not shadow when mounted in the one HTTP server.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardFiles } from '../../api/dashboard-files.ts';
import { createHttpServer } from '../../api/http-server.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A raw request: node's client sends the path exactly as given (no `..` normalisation). */
function get(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  const { hostname, port } = new URL(base);
  return new Promise((done, fail) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const INDEX = '<!doctype html><title>Heimdall</title><div id="app"></div>';
const SCRIPT = 'console.log("dashboard");'.repeat(50);

function builtDashboard(): string {
  const root = mkdtempSync(join(tmpdir(), 'heimdall-dashboard-'));
  const dir = join(root, 'dashboard');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js.gz'), gzipSync(SCRIPT));
  writeFileSync(join(dir, 'assets', 'index-Ef56Gh78.css'), 'body{margin:0}');
  // A file next to the dashboard directory that no request may reach.
  writeFileSync(join(root, 'secret.txt'), 'top secret');
  return dir;
}

describe('dashboard files', () => {
  let server: Server;
  let base: string;
  let missingBase: string;
  let missing: Server;
  beforeAll(async () => {
    const serve = createDashboardFiles({ directory: builtDashboard() });
    server = createServer((req, res) => {
      if (!serve(req, res)) res.writeHead(599).end();
    });
    base = await listen(server);
    const serveMissing = createDashboardFiles({ directory: join(tmpdir(), `no-dashboard-${process.pid}`) });
    missing = createServer((req, res) => {
      if (!serveMissing(req, res)) res.writeHead(599).end();
    });
    missingBase = await listen(missing);
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await new Promise((done) => missing.close(done));
  });

  it('serves index.html at /, /ui and client routes, never cached without revalidation', async () => {
    for (const path of ['/', '/ui', '/ui/', '/ui/budgets', '/ui/keys/vk-1?tab=edit']) {
      const reply = await get(base, path);
      expect([path, reply.status, reply.body.toString()]).toEqual([path, 200, INDEX]);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets immutable, with their content type, gzipped when accepted', async () => {
    const plain = await get(base, '/ui/assets/index-Ab12Cd34.js');
    expect(plain.status).toBe(200);
    expect(plain.body.toString()).toBe(SCRIPT);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();

    const zipped = await get(base, '/ui/assets/index-Ab12Cd34.js', { 'accept-encoding': 'gzip, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(zipped.body.length).toBeLessThan(SCRIPT.length);
    expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);

    const css = await get(base, '/ui/assets/index-Ef56Gh78.css', { 'accept-encoding': 'gzip' });
    expect([css.status, css.headers['content-type'], css.headers['content-encoding']]).toEqual([
      200,
      'text/css; charset=utf-8',
      undefined,
    ]);
    const head = await get(base, '/ui/assets/index-Ef56Gh78.css', {}, 'HEAD');
    expect([head.status, head.body.length, head.headers['content-length']]).toEqual([200, 0, '14']);
  });

  it('answers a missing asset with 404, not the app (a stale tab must not run HTML as script)', async () => {
    const reply = await get(base, '/ui/assets/index-Old00000.js');
    expect(reply.status).toBe(404);
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('never serves a file outside the dashboard directory', async () => {
    for (const path of [
      '/ui/../secret.txt',
      '/ui/assets/../../secret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/%2E%2E%2Fsecret.txt',
      '/ui/..%5csecret.txt',
      '/ui/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/ui/assets/%00.js',
      '/ui/%E0%A4%A',
    ]) {
      const reply = await get(base, path);
      expect(reply.body.toString(), path).not.toContain('top secret');
      expect(reply.body.toString(), path).not.toContain('root:');
      expect(reply.status, path).toBe(404);
    }
  });

  it('leaves other paths and methods alone', async () => {
    for (const [method, path] of [
      ['GET', '/v1/models'],
      ['GET', '/graphql'],
      ['GET', '/health'],
      ['GET', '/metrics'],
      ['GET', '/api/providers'],
      ['GET', '/uifoo'],
      ['POST', '/'],
      ['POST', '/ui/budgets'],
    ] as const) {
      expect((await get(base, path, {}, method)).status, `${method} ${path}`).toBe(599);
    }
  });

  it('explains, with a 404 page, that the dashboard was not built (an install without dev dependencies)', async () => {
    const reply = await get(missingBase, '/ui/budgets');
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body.toString()).toContain('The dashboard is not built');
  });
});

describe('the dashboard mounted in the HTTP server', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const gateway = {
      handle(req: IncomingMessage, res: ServerResponse) {
        if (!req.url?.startsWith('/v1/') && !req.url?.startsWith('/anthropic/')) return false;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('gateway');
        return true;
      },
      allowedOrigins: () => [],
      snapshotVersion: () => 1,
      metrics: async () => '# metrics',
    } as unknown as Gateway;
    server = createHttpServer({
      gateway,
      pingDatabase: async () => undefined,
      graphql: (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('graphql'),
    });
    base = await listen(server);
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('does not shadow the gateway, /graphql, the probes or /metrics; unknown API paths stay JSON 404s', async () => {
    expect((await get(base, '/v1/models')).body.toString()).toBe('gateway');
    expect((await get(base, '/anthropic/v1/messages')).body.toString()).toBe('gateway');
    expect((await get(base, '/graphql')).body.toString()).toBe('graphql');
    for (const path of ['/health', '/livez', '/readyz'])
      expect((await get(base, path)).status, path).toBe(200);
    expect((await get(base, '/metrics')).body.toString()).toContain('# metrics');
    const unknown = await get(base, '/api/governance/virtual-keys');
    expect([unknown.status, unknown.headers['content-type']]).toEqual([404, 'application/json']);
    const ui = await get(base, '/ui/budgets');
    expect(ui.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});
