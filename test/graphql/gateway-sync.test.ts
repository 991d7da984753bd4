/**
 * Acceptance: a mutation changes inference behaviour within 1 s without a restart, on the real
 * server (startHeimdall) in front of a loopback provider; and a gateway using the remote
 * (graphql-ws) control-plane client sees the same changes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteControlPlane } from '../../clients/remote-control-plane.ts';
import { createSecretBox, openSecret } from '../../db/index.ts';
import { createGateway } from '../../gateway/create-gateway.ts';
import type { RunningHeimdall } from '../../api/start.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { chat, graphql, liveConfig, startLive, until } from './live-stack.ts';

const ALLOW = `mutation($models: [String!]!) {
  updateVirtualKey(id: "vk-sync", patch: { providerConfigs: [{ provider: "openai", allowedModels: $models }] }) {
    __typename ... on Error { message }
  }
}`;
const ROTATE_KEY = `mutation($value: String!) {
  updateProviderKey(id: "openai/main", patch: { value: $value }) { __typename ... on Error { message } }
}`;

describe('gateway sync (in-process, real server)', () => {
  let mock: OpenAIMock;
  let heimdall: RunningHeimdall;
  beforeAll(async () => {
    mock = await startOpenAIMock();
    heimdall = await startLive(liveConfig(mock.url));
  });
  afterAll(async () => {
    await heimdall.stop();
    await mock.close();
  });

  it('a virtual key’s allowed models change inference within 1 s', async () => {
    expect((await chat(heimdall.url, 'openai/gpt-4o-mini')).status).toBe(200);
    expect((await chat(heimdall.url, 'openai/gpt-4o')).status).toBe(403);
    const started = Date.now();
    await graphql(heimdall.url, ALLOW, { models: ['gpt-4o-mini', 'gpt-4o'] });
    const waited = await until(async () => (await chat(heimdall.url, 'openai/gpt-4o')).status === 200, 1000);
    console.log(
      `allowed models: visible to inference ${Date.now() - started} ms after the mutation was sent (${waited} ms after it returned)`,
    );
    await graphql(heimdall.url, ALLOW, { models: ['gpt-4o-mini'] });
    await until(async () => (await chat(heimdall.url, 'openai/gpt-4o')).status === 403, 1000);
  });

  it('a provider key change reaches the upstream within 1 s', async () => {
    const lastKey = () => mock.requests.at(-1)?.headers.authorization;
    await chat(heimdall.url, 'openai/gpt-4o-mini');
    expect(lastKey()).toBe('Bearer sk-first-key-value');
    await graphql(heimdall.url, ROTATE_KEY, { value: 'sk-second-key-value' });
    await until(async () => {
      await chat(heimdall.url, 'openai/gpt-4o-mini');
      return lastKey() === 'Bearer sk-second-key-value';
    }, 1000);
  });
});

describe('gateway sync (remote graphql-ws client)', () => {
  let mock: OpenAIMock;
  let heimdall: RunningHeimdall;
  let gatewayServer: Server;
  let close: () => Promise<void>;
  beforeAll(async () => {
    mock = await startOpenAIMock();
    heimdall = await startLive(liveConfig(mock.url));
    const box = createSecretBox('graphql-live-test-key');
    const remote = createRemoteControlPlane({
      url: heimdall.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      openSecret: (value) => openSecret(box, value),
    });
    const gateway = await createGateway({ controlPlane: remote });
    gatewayServer = createServer((req, res) => void (gateway.handle(req, res) || res.writeHead(404).end()));
    await new Promise<void>((done) => gatewayServer.listen(0, '127.0.0.1', done));
    close = async () => {
      gatewayServer.closeAllConnections();
      await new Promise((done) => gatewayServer.close(done));
      await gateway.close();
      await remote.close();
    };
  });
  afterAll(async () => {
    await close();
    await heimdall.stop();
    await mock.close();
  });

  it('serves with the remote snapshot (secrets opened locally) and follows mutations within 1 s', async () => {
    const url = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}`;
    expect((await chat(url, 'openai/gpt-4o-mini')).status).toBe(200);
    expect(mock.requests.at(-1)?.headers.authorization).toBe('Bearer sk-first-key-value');
    expect((await chat(url, 'openai/gpt-4o')).status).toBe(403);
    await graphql(heimdall.url, ALLOW, { models: ['gpt-4o-mini', 'gpt-4o'] });
    const waited = await until(async () => (await chat(url, 'openai/gpt-4o')).status === 200, 1000);
    console.log(`remote gateway: allowed models visible ${waited} ms after the mutation returned`);
  });
});
