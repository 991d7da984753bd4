/**
 * Issue 11, High 1 and High 3 end to end: `npm start` in a child process (auth off, the default)
 * with a loopback provider that records which credential reached it.
 * - A virtual key pinned to key `k-a` cannot be served with `k-b`, whether the caller names it in
 *   `x-bf-api-key` or a routing rule does (403 `key_not_allowed`, nothing sent upstream).
 * - A negative page size cannot buy cost for other aliases in the same GraphQL document.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUsageMock, type UsageMock } from '../governance/support/usage-mock.ts';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';

const PINNED_VK = 'sk-bf-e2e-tenant-pinned-to-k-a';

function config(upstream: string) {
  return {
    providers: {
      openai: {
        keys: [
          { name: 'k-a', value: 'sk-e2e-tenant-value-a', models: ['*'] },
          { name: 'k-b', value: 'sk-e2e-tenant-value-b', models: ['*'] },
        ],
        network_config: { base_url: upstream },
      },
    },
    governance: {
      virtual_keys: [
        {
          id: 'vk-pinned',
          name: 'Pinned to k-a',
          value: PINNED_VK,
          provider_configs: [{ provider: 'openai', weight: 1, key_ids: ['k-a'] }],
        },
      ],
      routing_rules: [
        {
          id: 'rule-to-b',
          name: 'to k-b',
          cel_expression: "'x-route' in headers && headers['x-route'] == 'b'",
          targets: [{ provider: 'openai', model: '', weight: 1, key_id: 'k-b' }],
          scope: 'global',
          priority: 0,
        },
      ],
    },
  };
}

let upstream: UsageMock;
let heimdall: HeimdallChild;
let dir: string;

beforeAll(async () => {
  upstream = await startUsageMock();
  dir = mkdtempSync(join(tmpdir(), 'heimdall-e2e-tenant-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config(upstream.url)));
  heimdall = await startHeimdallChild(
    { HEIMDALL_CONFIG: join(dir, 'config.json'), HEIMDALL_DATA_DIR: join(dir, 'data') },
    30_000,
  );
}, 40_000);

afterAll(async () => {
  await heimdall?.stop();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function chat(headers: Record<string, string>) {
  upstream.seen.length = 0;
  const response = await fetch(`${heimdall.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bf-vk': PINNED_VK, ...headers },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await response.json()) as { error?: Record<string, unknown> };
  return { status: response.status, body, sentWith: upstream.seen.map((s) => s.auth) };
}

describe('a virtual key pinned to one provider key', () => {
  it('is served with its pinned key', async () => {
    const reply = await chat({});
    expect(reply.status).toBe(200);
    expect(reply.sentWith).toEqual(['Bearer sk-e2e-tenant-value-a']);
  });

  it('cannot name another key in x-bf-api-key: 403 key_not_allowed, nothing sent', async () => {
    const reply = await chat({ 'x-bf-api-key': 'k-b' });
    expect(reply.status).toBe(403);
    expect(reply.body.error).toMatchObject({ code: 'key_not_allowed', param: 'x-bf-api-key' });
    expect(reply.sentWith).toEqual([]);
  });

  it('cannot be widened by a routing rule naming another key', async () => {
    const reply = await chat({ 'x-route': 'b' });
    expect(reply.status).toBe(403);
    expect(reply.body.error).toMatchObject({ code: 'key_not_allowed' });
    expect(reply.sentWith).toEqual([]);
  });
});

describe('GraphQL page sizes', () => {
  it('refuses a negative first instead of subtracting it from the cost of the other aliases', async () => {
    const pages = Array.from(
      { length: 10 },
      (_, i) => `p${i}: requestLogs(first: 1000) { edges { node { id } } }`,
    );
    const query = `{ ${pages.join(' ')} discount: requestLogs(first: -2000000) { edges { node { id } } } }`;
    const response = await fetch(`${heimdall.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const result = (await response.json()) as { data?: unknown; errors?: Array<{ message: string }> };
    expect(result.data ?? null).toBeNull();
    const messages = (result.errors ?? []).map((e) => e.message).join('\n');
    expect(messages).toContain('a page size must be at least 1');
    expect(messages).toMatch(/cost/);
  });
});
