/** Kubernetes probes: /livez never depends on the database; /health (readiness) does. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpRoutes } from '../../api/http-server.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';

const notInference = {
  handle: () => false,
  metrics: async () => '',
  snapshotVersion: () => 7,
} as unknown as Gateway;

const servers: Array<ReturnType<typeof createHttpServer>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

async function start(pingDatabase: HttpRoutes['pingDatabase']): Promise<string> {
  const server = createHttpServer({ gateway: notInference, pingDatabase });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('probes', () => {
  it('answers /livez 200 and /health, /healthz, /readyz 503 with the reason while the database is down', async () => {
    const origin = await start(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')));
    const live = await fetch(`${origin}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'alive' });
    for (const path of ['/health', '/healthz', '/readyz']) {
      const ready = await fetch(`${origin}${path}`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'unavailable',
        reason: 'database unreachable: connect ECONNREFUSED 127.0.0.1:5432',
      });
    }
  });

  it('answers every probe 200 while the database answers', async () => {
    const origin = await start(() => Promise.resolve());
    expect((await fetch(`${origin}/livez`)).status).toBe(200);
    const ready = await fetch(`${origin}/health`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', config_version: 7 });
  });
});
