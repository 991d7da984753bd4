/**
 * Rate-limit admission across three gateway replicas sharing one control plane (split mode:
 * startHeimdall on Postgres, three startGatewayOnly over graphql-ws). A burst on a fresh limit is
 * admitted up to exactly the limit however it spreads over the replicas: callers whose replica
 * lease is empty wait for one coalesced ask, and a replica that finds the counter full keeps
 * asking while other replicas' unused spares may still come back. Every 429 says
 * `x-ratelimit-remaining: 0` (used to be 29–36 of 100 admitted, with remaining up to 94).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger.ts';
import { startGatewayOnly } from '../../api/start-gateway.ts';
import type { RunningHeimdall } from '../../api/start.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { post, startHeimdallIn, type Reply } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const KEY = 'rate-admission-test-encryption-key';
const ADMIN = { username: 'admin', password: 'rate-admission admin password' };
const silent = createLogger('error', process.env.GQL_DEBUG ? undefined : () => undefined);

/** One 100/min request limit (or 100-token limit) per scenario, so each starts on a fresh window. */
const SCENARIOS = ['burst', 'oversubscribed'] as const;
const vkValue = (id: string) => `vk-${id}-rate-admission-0001`;

function config(mockUrl: string): Record<string, unknown> {
  const requestLimits = SCENARIOS.map((id) => ({
    id,
    request_max_limit: 100,
    request_reset_duration: '1m',
  }));
  return {
    providers: {
      openai: {
        keys: [{ name: 'k', value: 'sk-rate-admission-provider', weight: 1, models: ['*'] }],
        network_config: { base_url: mockUrl },
      },
    },
    governance: {
      auth_config: { is_enabled: true, admin_username: ADMIN.username, admin_password: ADMIN.password },
      rate_limits: [...requestLimits, { id: 'tokens', token_max_limit: 100, token_reset_duration: '1m' }],
      virtual_keys: [...SCENARIOS, 'tokens'].map((id) => ({
        id: `vk-${id}`,
        name: id,
        value: vkValue(id),
        rate_limit_id: id,
      })),
    },
  };
}

async function gql<T>(url: string, query: string, variables: object, token?: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return ((await response.json()) as { data: T }).data;
}

let mock: UsageMock;
let database: TestDatabase;
let dir: string;
let controlPlane: RunningHeimdall;
const gateways: RunningHeimdall[] = [];

beforeAll(async () => {
  mock = await startUsageMock();
  database = await createTestDatabase('heimdall_rate_replicas');
  dir = mkdtempSync(join(tmpdir(), 'heimdall-rate-replicas-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config(mock.url)));
  controlPlane = await startHeimdallIn(dir, {
    key: KEY,
    logger: silent,
    env: { DATABASE_URL: database.url },
  });
  const login = await gql<{ login: { token: string } }>(
    controlPlane.url,
    'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on Session { token } } }',
    { u: ADMIN.username, p: ADMIN.password },
  );
  const created = await gql<{ createApiToken: { token: string } }>(
    controlPlane.url,
    'mutation { createApiToken(name: "gateways", scopes: [GATEWAY]) { ... on CreatedApiToken { token } } }',
    {},
    login.login.token,
  );
  for (let i = 0; i < 3; i++)
    gateways.push(
      await startGatewayOnly({
        logger: silent,
        port: 0,
        host: '127.0.0.1',
        env: {
          HEIMDALL_CONTROL_PLANE_URL: controlPlane.url,
          HEIMDALL_CONTROL_PLANE_TOKEN: created.createApiToken.token,
          HEIMDALL_ENCRYPTION_KEY: KEY,
        },
        operationTimeoutMs: 5_000,
        waitForControlPlaneMs: 10_000,
      }),
    );
}, 60_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop().catch(() => undefined);
  await controlPlane?.stop().catch(() => undefined);
  await database?.drop();
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const ask = (gateway: number, scenario: string): Promise<Reply> =>
  post(
    gateways[gateway % 3]!.url,
    {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      mock: { prompt_tokens: 0, completion_tokens: 1 },
    },
    { 'x-bf-vk': vkValue(scenario) },
  );

/** `count` concurrent requests, round-robin over the three replicas. */
const burst = (scenario: string, count: number) =>
  Promise.all(Array.from({ length: count }, (_, i) => ask(i, scenario)));

function tally(replies: Reply[]) {
  const refusals = replies.filter((r) => r.status === 429);
  return {
    admitted: replies.filter((r) => r.status === 200).length,
    refused: refusals.length,
    other: replies.filter((r) => r.status !== 200 && r.status !== 429).map((r) => `${r.status} ${r.text}`),
    refusedWithRoom: refusals.filter((r) => r.headers.get('x-ratelimit-remaining') !== '0').length,
  };
}

describe('request rate limit shared by three replicas', () => {
  it('admits exactly 100 of 100 concurrent requests on a fresh 100/min limit; the 101st gets 429 with remaining 0', async () => {
    const first = tally(await burst('burst', 100));
    console.log('three replicas, 100 concurrent on 100/min:', first);
    expect(first).toEqual({ admitted: 100, refused: 0, other: [], refusedWithRoom: 0 });
    // The 101st, on each replica: refused, and nothing is said to remain.
    const next = await Promise.all([0, 1, 2].map((g) => ask(g, 'burst')));
    expect(next.map((r) => [r.status, r.headers.get('x-ratelimit-remaining')])).toEqual([
      [429, '0'],
      [429, '0'],
      [429, '0'],
    ]);
  });

  it('admits exactly 100 of 300 concurrent requests; every 429 says remaining 0', async () => {
    const result = tally(await burst('oversubscribed', 300));
    console.log('three replicas, 300 concurrent on 100/min:', result);
    expect(result).toEqual({ admitted: 100, refused: 200, other: [], refusedWithRoom: 0 });
  });
});

describe('token rate limit shared by three replicas', () => {
  it('admits a burst while tokens used < limit and refuses only with remaining 0', async () => {
    // 1 token each: 100 requests use the 100-token window exactly; 200 more push past it.
    const result = tally(await burst('tokens', 300));
    console.log('three replicas, 300 concurrent on 100 tokens/min:', result);
    expect(result.other).toEqual([]);
    expect(result.admitted).toBeGreaterThanOrEqual(100);
    expect(result.refusedWithRoom).toBe(0);
  });
});
