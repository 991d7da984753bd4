/**
 * Split mode across a control-plane restart: a gateway (startGatewayOnly, graphql-ws) keeps
 * reconnecting while the control plane is down, at a capped back-off, so once the control plane
 * listens again on the same port the gateway serves governed requests within a couple of seconds
 * (issue 12, item 5: the uncapped doubling back-off made it ~21.7 s). A lease request that is in
 * flight when the connection drops is re-sent once connected again and its request is served.
 * Times are printed as figures, not asserted (only generous hang guards).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger.ts';
import { startGatewayOnly } from '../../api/start-gateway.ts';
import type { RunningHeimdall } from '../../api/start.ts';
import { post, startHeimdallIn } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const KEY = 'reconnect-test-encryption-key-0123456789';
const silent = createLogger('error', process.env.GQL_DEBUG ? undefined : () => undefined);
/** Budgets no gateway has leased from yet: their first request must reach the control plane. */
const FRESH = ['after-restart', 'in-flight'] as const;
const vkValue = (id: string) => `vk-${id}-secret-value-0001`;

function config(mockUrl: string): Record<string, unknown> {
  return {
    providers: {
      openai: {
        keys: [{ name: 'k', value: 'sk-reconnect-provider-secret', weight: 1, models: ['*'] }],
        network_config: { base_url: mockUrl },
      },
    },
    governance: {
      budgets: ['warm', ...FRESH].map((id) => ({ id, max_limit: 10, reset_duration: '1d', mode: 'strict' })),
      virtual_keys: ['warm', ...FRESH].map((id) => ({ id, name: id, value: vkValue(id), budget_id: id })),
    },
  };
}

const chat = (url: string, budget: string) =>
  post(
    url,
    {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 100,
      mock: { prompt_tokens: 5, completion_tokens: 100 },
    },
    { 'x-bf-vk': vkValue(budget) },
  );

/**
 * A TCP relay in front of the control plane that can hold what the gateway sends (so a lease
 * request is in flight), then cut every connection and refuse new ones for a while.
 */
interface Relay {
  url: string;
  /** Bytes received from the gateway while holding. */
  held(): number;
  hold(): void;
  /** Cuts all connections (held bytes are lost) and refuses connections for `ms`. */
  drop(ms: number): Promise<void>;
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  let holding = false;
  let heldBytes = 0;
  const serve = (): Server =>
    createServer((client) => {
      const upstream = new Socket();
      sockets.add(client).add(upstream);
      upstream.connect(targetPort, '127.0.0.1');
      client.on('data', (chunk: Buffer) => {
        if (holding) heldBytes += chunk.length;
        else upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      for (const socket of [client, upstream]) {
        socket.on('error', () => undefined);
        socket.on('close', () => {
          client.destroy();
          upstream.destroy();
        });
      }
    });
  let server = serve();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/graphql`,
    held: () => heldBytes,
    hold: () => {
      holding = true;
    },
    async drop(ms) {
      await new Promise<void>((done) => {
        server.close(() => done());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
      await new Promise((resolve) => setTimeout(resolve, ms));
      holding = false;
      server = serve();
      await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

let mock: UsageMock;
let dir: string;
let controlPlane: RunningHeimdall;
let relay: Relay;
const gateways: RunningHeimdall[] = [];

function startControlPlane(port = 0): Promise<RunningHeimdall> {
  return startHeimdallIn(dir, { key: KEY, logger: silent, port });
}

/** A gateway with the product's defaults (10 s per control-plane operation). */
async function startGateway(controlPlaneUrl: string): Promise<RunningHeimdall> {
  const gateway = await startGatewayOnly({
    logger: silent,
    port: 0,
    host: '127.0.0.1',
    env: { HEIMDALL_CONTROL_PLANE_URL: controlPlaneUrl, HEIMDALL_ENCRYPTION_KEY: KEY },
    waitForControlPlaneMs: 10_000,
  });
  gateways.push(gateway);
  return gateway;
}

beforeAll(async () => {
  mock = await startUsageMock();
  dir = mkdtempSync(join(tmpdir(), 'heimdall-reconnect-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config(mock.url)));
  controlPlane = await startControlPlane();
  relay = await startRelay(controlPlane.port);
}, 60_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop().catch(() => undefined);
  await controlPlane?.stop().catch(() => undefined);
  await relay?.close();
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('split mode across a control-plane restart', () => {
  it('serves governed requests again within moments of the control plane’s return', async () => {
    const gateway = await startGateway(`http://127.0.0.1:${controlPlane.port}`);
    expect((await chat(gateway.url, 'warm')).status).toBe(200);

    const port = controlPlane.port;
    await controlPlane.stop();
    // Long enough for an uncapped doubling back-off to grow past several seconds.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    controlPlane = await startControlPlane(port);
    const back = Date.now();
    // A budget this gateway never leased from: the request needs the control plane to answer.
    const reply = await chat(gateway.url, 'after-restart');
    const servedAfterMs = Date.now() - back;
    console.log('split-mode reconnect:', { outageMs: 8_000, servedAfterMs, status: reply.status });
    expect(reply.status, reply.text).toBe(200);
  }, 60_000);

  it('re-sends a lease request in flight when the connection drops, and serves its request', async () => {
    const gateway = await startGateway(relay.url);
    expect((await chat(gateway.url, 'warm')).status).toBe(200);

    relay.hold();
    const started = Date.now();
    const pending = chat(gateway.url, 'in-flight');
    // The lease request has left the gateway and is stuck in the relay: cut it off there.
    while (relay.held() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await relay.drop(3_000);
    const reply = await pending;
    console.log('lease in flight across a dropped connection:', {
      downMs: 3_000,
      answeredAfterMs: Date.now() - started,
      status: reply.status,
    });
    expect(reply.status, reply.text).toBe(200);
  }, 60_000);
});
