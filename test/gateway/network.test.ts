/**
 * Network config and response options: http proxy (undici ProxyAgent, with basic auth),
 * extra_headers, `send_extra_fields: false`, and the governance hook points' contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLog } from '../../gateway/create-gateway.ts';
import { GatewayError } from '../../gateway/core/errors.ts';
import { startConnectProxy, type TestProxy } from '../mocks/connect-proxy.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { chatBody, errorOf, key, postJson, provider, snapshotOf, startGateway } from './harness.ts';

let mock: OpenAIMock;
let backup: OpenAIMock;
let proxy: TestProxy;

beforeAll(async () => {
  mock = await startOpenAIMock();
  backup = await startOpenAIMock();
  proxy = await startConnectProxy();
});

afterAll(async () => {
  await mock?.close();
  await backup?.close();
  await proxy?.close();
});

describe('network config', () => {
  it('sends through proxy_config (http, basic auth) and adds extra_headers', async () => {
    const gw = await startGateway(
      snapshotOf({
        providers: [
          provider('openai', mock.url, [key()], {
            proxy_config: { type: 'http', url: proxy.url, username: 'user', password: 'pass' },
            network_config: { extra_headers: { 'X-Organization-ID': 'org-123' } },
          }),
        ],
      }),
    );
    try {
      mock.reset();
      const response = await postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
      expect(response.status).toBe(200);
      expect(proxy.seen.length).toBeGreaterThan(0);
      expect(proxy.seen[0]).toContain(new URL(mock.url).port);
      expect(proxy.auth[0]).toBe(`Basic ${Buffer.from('user:pass').toString('base64')}`);
      expect(mock.requests[0]?.headers['x-organization-id']).toBe('org-123');
    } finally {
      await gw.close();
    }
  });

  it('omits extra_fields when client.send_extra_fields is false', async () => {
    const gw = await startGateway(
      snapshotOf({
        client: { send_extra_fields: false },
        providers: [provider('openai', mock.url, [key()])],
      }),
    );
    try {
      const response = await postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
      expect(response.status).toBe(200);
      expect(response.body.extra_fields).toBeUndefined();
      expect(response.headers.get('x-heimdall-provider')).toBe('openai');
    } finally {
      await gw.close();
    }
  });
});

describe('governance hook points', () => {
  it('authenticate can refuse with any gateway error', async () => {
    const gw = await startGateway(snapshotOf({ providers: [provider('openai', mock.url, [key()])] }), {
      authenticate: (ctx) => {
        if (ctx.req.headers['x-bf-vk'] === undefined)
          throw new GatewayError(
            401,
            'authentication_error',
            'virtual_key_required',
            'a virtual key is required',
          );
      },
    });
    try {
      const response = await postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
      expect(response.status).toBe(401);
      expect(errorOf(response)).toEqual({
        message: 'a virtual key is required',
        type: 'authentication_error',
        code: 'virtual_key_required',
        param: null,
      });
    } finally {
      await gw.close();
    }
  });

  it('a beforeAttempt refusal fails that target only; attempts settle and the request log is complete', async () => {
    const logs: RequestLog[] = [];
    const gw = await startGateway(
      snapshotOf({
        providers: [
          provider('openai', mock.url, [key({ name: 'main' })]),
          provider('backup', backup.url, [key()]),
        ],
      }),
      {
        beforeAttempt: (_ctx, target) => {
          if (target.provider.name === 'openai')
            throw new GatewayError(402, 'budget_exceeded', 'budget_exceeded', 'budget exhausted');
        },
        onRequestFinished: (_ctx, log) => void logs.push(log),
      },
    );
    try {
      const response = await postJson(
        `${gw.url}/v1/chat/completions`,
        chatBody('openai/gpt-4o', { fallbacks: ['backup/llama'] }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('x-heimdall-provider')).toBe('backup');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(logs).toHaveLength(1);
      const log = logs[0]!;
      expect(log).toMatchObject({
        operation: 'chat',
        stream: false,
        status: 200,
        provider: 'backup',
        model: 'llama',
        fallbackIndex: 1,
        requestedModel: 'openai/gpt-4o',
      });
      expect(log.usage).toMatchObject({ inputTokens: 11, outputTokens: 17 });
      expect(log.attempts.map((attempt) => [attempt.provider, attempt.status, attempt.error?.code])).toEqual([
        ['openai', 402, 'budget_exceeded'],
        ['backup', 200, undefined],
      ]);
    } finally {
      await gw.close();
    }
  });
});
