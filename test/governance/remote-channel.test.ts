/**
 * Split deployment: one control plane (startHeimdall on Postgres, auth on) and two gateway-only
 * processes (startGatewayOnly, as `HEIMDALL_CONTROL_PLANE_URL` selects it) that reach it over
 * graphql-ws with a `gateway`-scoped API token. Budgets are shared through the control plane's
 * lease channel, not counted per process: requests through both gateways are charged to the
 * same ledger, a strict budget holds across them under concurrency, the channel refuses tokens
 * without the scope, and usage reported while the control plane is down is re-sent once it is
 * back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteControlPlane } from '../../clients/remote-control-plane.ts';
import type { ControlPlaneClient } from '../../clients/control-plane.ts';
import { createLogger } from '../../api/logger.ts';
import { controlPlaneUrl, startGatewayOnly, type StartGatewayOptions } from '../../api/start-gateway.ts';
import type { RunningHeimdall } from '../../api/start.ts';
import type {
  GovernanceChannel,
  LeaseRequest,
  RequestLogRow,
  UsageReport,
} from '../../clients/contract/governance.ts';
import { createTestControlPlane } from '../graphql/harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { post, startHeimdallIn } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';
import { requestLogRow } from '../support/request-log-row.ts';

const KEY = 'remote-channel-test-encryption-key';
const ADMIN = { username: 'admin', password: 'remote-channel admin password' };
const PROVIDER_SECRET = 'sk-remote-provider-secret';
/** gpt-4o output at $10/M: 1,000 completion tokens (and no prompt) cost 10,000 µ$. */
const MICROS_PER_TOKEN = 10;
/** Fits 20 requests of 10,000 µ$ (each reserves its 10,000 + a 45 µ$ prompt bound), not 21. */
const TIGHT_LIMIT_MICROS = 205_000;
const silent = createLogger('error', process.env.GQL_DEBUG ? undefined : () => undefined);

function config(mockUrl: string): Record<string, unknown> {
  const vk = (id: string, budget: string) => ({
    id,
    name: id,
    value: `${id}-secret-token-0001`,
    budget_id: budget,
  });
  return {
    client: { enable_logging: true },
    providers: {
      openai: {
        keys: [{ name: 'k', value: PROVIDER_SECRET, weight: 1, models: ['*'] }],
        network_config: { base_url: mockUrl },
      },
    },
    governance: {
      auth_config: { is_enabled: true, admin_username: ADMIN.username, admin_password: ADMIN.password },
      budgets: [
        { id: 'shared', max_limit: 10, reset_duration: '1d', mode: 'strict' },
        { id: 'tight', max_limit: TIGHT_LIMIT_MICROS / 1e6, reset_duration: '1d', mode: 'strict' },
        { id: 'outage', max_limit: 10, reset_duration: '1d', mode: 'strict' },
      ],
      virtual_keys: [vk('vk-shared', 'shared'), vk('vk-tight', 'tight'), vk('vk-outage', 'outage')],
    },
  };
}

interface GraphqlReply<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphqlReply<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphqlReply<T>;
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms`);
}

function chat(url: string, vk: string, tokens: number, stream = false) {
  return post(
    url,
    {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: tokens,
      stream,
      mock: { prompt_tokens: 0, completion_tokens: tokens },
    },
    { 'x-bf-vk': `${vk}-secret-token-0001` },
  );
}

let mock: UsageMock;
let database: TestDatabase;
let sql: pg.Pool;
let dir: string;
let controlPlane: RunningHeimdall;
let gatewayToken: string;
let writeToken: string;
let gateways: RunningHeimdall[] = [];

function startControlPlane(port = 0): Promise<RunningHeimdall> {
  return startHeimdallIn(dir, { key: KEY, logger: silent, port, env: { DATABASE_URL: database.url } });
}

function startGateway(token: string, extra: Partial<StartGatewayOptions> = {}) {
  return startGatewayOnly({
    logger: silent,
    port: 0,
    host: '127.0.0.1',
    env: {
      HEIMDALL_CONTROL_PLANE_URL: controlPlane.url,
      HEIMDALL_CONTROL_PLANE_TOKEN: token,
      HEIMDALL_ENCRYPTION_KEY: KEY,
    },
    operationTimeoutMs: 2_000,
    waitForControlPlaneMs: 5_000,
    ...extra,
  });
}

async function settled(budgetId: string): Promise<number> {
  const { rows } = await sql.query<{ total: string }>(
    "select coalesce(sum(amount_micros), 0) as total from usage_ledger where budget_id = $1 and kind = 'settle'",
    [budgetId],
  );
  return Number(rows[0]!.total);
}

async function logs(virtualKeyId: string): Promise<{ count: number; cost: number }> {
  const { rows } = await sql.query<{ count: string; cost: string }>(
    'select count(*) as count, coalesce(sum(cost_micros), 0) as cost from request_logs where virtual_key_id = $1',
    [virtualKeyId],
  );
  return { count: Number(rows[0]!.count), cost: Number(rows[0]!.cost) };
}

async function budgetRow(id: string): Promise<{ used: number; reserved: number }> {
  const { rows } = await sql.query<{ used: string; reserved: string }>(
    'select current_usage_micros as used, reserved_micros as reserved from budgets where id = $1',
    [id],
  );
  return { used: Number(rows[0]!.used), reserved: Number(rows[0]!.reserved) };
}

beforeAll(async () => {
  mock = await startUsageMock();
  database = await createTestDatabase('heimdall_remote');
  dir = mkdtempSync(join(tmpdir(), 'heimdall-remote-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config(mock.url)));
  controlPlane = await startControlPlane();
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  const login = await gql<{ login: { token: string } }>(
    controlPlane.url,
    'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on Session { token } } }',
    { u: ADMIN.username, p: ADMIN.password },
  );
  const session = login.data!.login.token;
  const token = async (name: string, scopes: string[]) => {
    const created = await gql<{ createApiToken: { token: string } }>(
      controlPlane.url,
      'mutation($n: String!, $s: [Scope!]!) { createApiToken(name: $n, scopes: $s) { ... on CreatedApiToken { token } } }',
      { n: name, s: scopes },
      session,
    );
    return created.data!.createApiToken.token;
  };
  gatewayToken = await token('gateways', ['GATEWAY']);
  writeToken = await token('script', ['READ', 'WRITE']);
  gateways = [await startGateway(gatewayToken), await startGateway(gatewayToken)];
}, 60_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop().catch(() => undefined);
  await controlPlane?.stop().catch(() => undefined);
  await sql?.end();
  await database?.drop();
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('gateway-only mode', () => {
  it('derives the graphql-ws URL from HEIMDALL_CONTROL_PLANE_URL', () => {
    expect(controlPlaneUrl({ HEIMDALL_CONTROL_PLANE_URL: 'http://cp:8080' })).toBe('ws://cp:8080/graphql');
    expect(controlPlaneUrl({ HEIMDALL_CONTROL_PLANE_URL: 'https://cp.example/graphql' })).toBe(
      'wss://cp.example/graphql',
    );
    expect(controlPlaneUrl({ HEIMDALL_CONTROL_PLANE_URL: 'ws://cp:9000/graphql' })).toBe(
      'ws://cp:9000/graphql',
    );
    expect(controlPlaneUrl({})).toBeUndefined();
    expect(() => controlPlaneUrl({ HEIMDALL_CONTROL_PLANE_URL: 'ftp://cp' })).toThrow(/ws:\/\//);
  });

  it('serves /health from the remote snapshot and mounts no GraphQL server', async () => {
    for (const gateway of gateways) {
      const health = await fetch(`${gateway.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      expect((await fetch(`${gateway.url}/graphql`, { method: 'POST' })).status).toBe(404);
    }
  });

  it('warms up before listening, and the control plane hears nothing of the warm-up', async () => {
    const lines: string[] = [];
    const logsBefore = await sql.query<{ count: string }>('select count(*) as count from request_logs');
    const gateway = await startGateway(gatewayToken, {
      warmUpRequests: 20,
      logger: createLogger('info', (line) => lines.push(line)),
    });
    try {
      const messages = lines.map((line) => JSON.parse(line) as { msg: string });
      const warmed = messages.findIndex((m) => m.msg === 'warmed up');
      expect(messages[warmed]).toMatchObject({
        sent: 20,
        answered: 19,
        streamed: 9,
        anthropic: 4,
        refused: 1,
        failed: 0,
      });
      expect(warmed).toBeLessThan(messages.findIndex((m) => m.msg.startsWith('heimdall gateway listening')));
      await gateway.stop();
      // stop() flushed whatever this gateway had queued for the control plane: no request logs.
      const logsAfter = await sql.query<{ count: string }>('select count(*) as count from request_logs');
      expect(logsAfter.rows[0]!.count).toBe(logsBefore.rows[0]!.count);
    } finally {
      await gateway.stop().catch(() => undefined);
    }
  });
});

describe('governance over the remote channel', () => {
  it('charges requests through both gateways to the shared budget and logs them in the control plane', async () => {
    const sizes = [1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 1_200, 1_700, 2_200, 2_700];
    const replies = await Promise.all(
      sizes.map((tokens, i) => chat(gateways[i % 2]!.url, 'vk-shared', tokens, i % 3 === 0)),
    );
    expect(replies.map((r) => r.status)).toEqual(sizes.map(() => 200));
    // The provider secret arrived sealed and was opened with the shared key in the gateway.
    expect(mock.seen.at(-1)?.auth).toBe(`Bearer ${PROVIDER_SECRET}`);
    const expected = sizes.reduce((sum, tokens) => sum + tokens * MICROS_PER_TOKEN, 0);
    await until(async () => (await settled('shared')) === expected, 10_000, 'ledger settles');
    await until(async () => (await logs('vk-shared')).count === sizes.length, 10_000, 'request logs');
    expect(await logs('vk-shared')).toEqual({ count: sizes.length, cost: expected });
    // Counters are the ledger's sums: the settled usage is on the budget row.
    expect((await budgetRow('shared')).used).toBe(expected);
    const seen = await gql<{ budget: { currentUsageMicros: string } }>(
      controlPlane.url,
      '{ budget(id: "shared") { currentUsageMicros } }',
      {},
      writeToken,
    );
    expect(Number(seen.data?.budget.currentUsageMicros)).toBe(expected);
  }, 30_000);

  it('holds a strict budget across both gateways under concurrency', async () => {
    const count = 60;
    const replies = await Promise.all(
      Array.from({ length: count }, (_, i) => chat(gateways[i % 2]!.url, 'vk-tight', 1_000, i % 2 === 1)),
    );
    expect(replies.filter((r) => r.status !== 200 && r.status !== 402).map((r) => r.text)).toEqual([]);
    // A streamed request admitted near the limit is cut at the budget's headroom (strict mode).
    const cut = replies.filter((r) => r.status === 200 && r.text.includes('budget_exhausted_mid_stream'));
    const completed = replies.filter((r) => r.status === 200).length - cut.length;
    const perGateway = [0, 1].map((g) => replies.filter((r, i) => r.status === 200 && i % 2 === g).length);
    const full = completed * 1_000 * MICROS_PER_TOKEN;
    await until(
      async () => (await settled('tight')) >= full + (cut.length > 0 ? 1 : 0),
      10_000,
      'tight budget settles',
    );
    // Let any late report arrive (usage batches every 500 ms) before judging.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const total = await settled('tight');
    console.log('strict budget across two remote gateways:', {
      completed,
      cut: cut.length,
      perGateway,
      refused: replies.filter((r) => r.status === 402).length,
      settledMicros: total,
      limitMicros: TIGHT_LIMIT_MICROS,
    });
    expect(total).toBeLessThanOrEqual(TIGHT_LIMIT_MICROS);
    expect(completed).toBeLessThanOrEqual(20);
    // Admission stays close to the maximum: what is left could not fit two more requests.
    expect(TIGHT_LIMIT_MICROS - total).toBeLessThan(2 * 10_045);
    expect((await budgetRow('tight')).used).toBe(total);
  }, 30_000);

  it('refuses the channel to callers without the gateway scope', async () => {
    const lease =
      'mutation { acquireLease(input: { holder: "h", kind: BUDGET, id: "shared", seq: 1, want: 1, min: 1 }) { granted } }';
    const usage = 'mutation { reportUsage(input: { holder: "h", ledger: [], rateReturns: [] }) }';
    const logRows = 'mutation { writeRequestLogs(rows: []) }';
    for (const query of [lease, usage, logRows]) {
      expect((await gql(controlPlane.url, query)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await gql(controlPlane.url, query, {}, writeToken)).errors?.[0]?.extensions?.code).toBe(
        'FORBIDDEN',
      );
    }
    // The gateway token is allowed (a zero-amount lease on an empty report changes nothing).
    expect((await gql(controlPlane.url, usage, {}, gatewayToken)).data).toEqual({ reportUsage: true });

    // Over graphql-ws, the remote channel rejects instead of resolving silently.
    const remote = createRemoteControlPlane({
      url: controlPlaneUrl({ HEIMDALL_CONTROL_PLANE_URL: controlPlane.url })!,
      token: writeToken,
      webSocketImpl: WebSocket,
      operationTimeoutMs: 2_000,
    });
    try {
      await expect(
        remote.governance!.acquireLease({
          holder: 'h',
          kind: 'budget',
          id: 'shared',
          seq: 1,
          want: 1,
          min: 1,
        }),
      ).rejects.toThrow(/lacks the scope/);
      await expect(
        remote.governance!.reportUsage({ holder: 'h', batch: 1, ledger: [], rateReturns: [] }),
      ).rejects.toThrow(/lacks the scope/);
      await expect(remote.governance!.writeRequestLogs([logRow('denied-row')])).rejects.toThrow(
        /lacks the scope/,
      );
    } finally {
      await remote.close();
    }
    expect((await logs('vk-denied')).count).toBe(0);

    // A gateway started with such a token fails at once (no waiting for the control plane).
    // (A gateway that waited would retry until the test's own timeout.)
    await expect(startGateway(writeToken)).rejects.toThrow(/lacks the scope/);
  }, 30_000);

  it('re-sends usage reported while the control plane was down once it is back', async () => {
    const [a] = gateways as [RunningHeimdall];
    // One request takes a lease (a chunk of the $10 budget) before the outage.
    expect((await chat(a.url, 'vk-outage', 1_000)).status).toBe(200);
    await until(async () => (await settled('outage')) === 10_000, 10_000, 'first request settles');

    const probe: ControlPlaneClient = createRemoteControlPlane({
      url: controlPlaneUrl({ HEIMDALL_CONTROL_PLANE_URL: controlPlane.url })!,
      token: gatewayToken,
      webSocketImpl: WebSocket,
      operationTimeoutMs: 1_000,
    });
    const report = {
      holder: 'probe',
      batch: 1,
      ledger: [
        {
          requestId: 'probe-request',
          attempt: 0,
          kind: 'settle' as const,
          budgetId: 'outage',
          amountMicros: 1_234,
        },
      ],
      rateReturns: [],
    };
    const port = controlPlane.port;
    try {
      await controlPlane.stop();
      // Served from the lease the gateway already holds; its usage reports fail meanwhile.
      const during = await Promise.all(
        [1_500, 2_000, 2_500].map((tokens) => chat(a.url, 'vk-outage', tokens)),
      );
      expect(during.map((r) => r.status)).toEqual([200, 200, 200]);
      // The other gateway holds no lease on this budget: it cannot ask for one, so it refuses.
      const noLease = await chat(gateways[1]!.url, 'vk-outage', 1_000);
      expect(noLease.status).toBe(503);
      expect(noLease.text).toContain('governance_unavailable');
      await expect(probe.governance!.reportUsage(report)).rejects.toThrow(/control plane/);
      await new Promise((resolve) => setTimeout(resolve, 1_500));

      controlPlane = await startControlPlane(port);
      // The probe re-sends the same batch; a second replay is a no-op.
      await until(
        () =>
          probe.governance!.reportUsage(report).then(
            () => true,
            () => false,
          ),
        20_000,
        'probe reconnects',
      );
      await probe.governance!.reportUsage(report);
      // The gateway re-sends its failed reports whole once it has reconnected.
      const expected = (1_000 + 1_500 + 2_000 + 2_500) * MICROS_PER_TOKEN + 1_234;
      await until(async () => (await settled('outage')) === expected, 25_000, 'outage usage re-sent');
      expect((await budgetRow('outage')).used).toBe(expected);
    } finally {
      await probe.close();
    }
  }, 60_000);
});

describe('the channel over GraphQL, field for field', () => {
  it('carries leases, reports and log rows unchanged (values past 32 bits included) and says when no channel is connected', async () => {
    const cp = await createTestControlPlane('sqlite');
    const seen: unknown[] = [];
    try {
      const lease: LeaseRequest = {
        holder: 'h-1',
        kind: 'tokens',
        id: 'rl-1',
        seq: 3_000_000_001,
        want: 9_007_199_254,
        min: 1,
        force: true,
      };
      expect(
        (
          await cp.exec(
            `mutation { acquireLease(input: { holder: "h", kind: BUDGET, id: "b", seq: 1, want: 1, min: 1 }) { granted } }`,
          )
        ).errors?.[0]?.extensions?.code,
      ).toBe('GOVERNANCE_UNAVAILABLE');
      const fake: GovernanceChannel = {
        acquireLease: (request) => {
          seen.push(request);
          return Promise.resolve({
            granted: 5_000_000_000,
            limit: 8_000_000_000,
            used: 1,
            reserved: 5_000_000_000,
            windowStart: 1_700_000_000_000,
            windowEnd: 1_700_086_400_000,
          });
        },
        reportUsage: (report) => {
          seen.push(report);
          return Promise.resolve();
        },
        writeRequestLogs: (rows) => {
          seen.push(rows);
          return rows.some((row) => row.id === 'boom')
            ? Promise.reject(new Error('disk full'))
            : Promise.resolve();
        },
      };
      await cp.serveSources({ governance: fake });
      const { wsUrl } = await cp.listen();
      const remote = createRemoteControlPlane({
        url: wsUrl,
        webSocketImpl: WebSocket,
        operationTimeoutMs: 2_000,
      });
      try {
        const channel = remote.governance!;
        expect(await channel.acquireLease(lease)).toEqual({
          granted: 5_000_000_000,
          limit: 8_000_000_000,
          used: 1,
          reserved: 5_000_000_000,
          windowStart: 1_700_000_000_000,
          windowEnd: 1_700_086_400_000,
        });
        const report: UsageReport = {
          holder: 'h-1',
          batch: 7,
          ledger: [
            {
              requestId: 'r',
              attempt: 0,
              kind: 'settle',
              budgetId: 'b',
              amountMicros: 4_000_000_000,
              priceBookVersion: 'pb-1',
            },
            { requestId: 'lease:h-1', attempt: 2, kind: 'release', budgetId: 'b', amountMicros: 10 },
          ],
          rateReturns: [{ kind: 'requests', id: 'rl-1', amount: 2, windowStart: 1_700_000_000_000 }],
        };
        await channel.reportUsage(report);
        const rows: RequestLogRow[] = [
          {
            ...logRow('row-1'),
            clientRequestId: 'caller "row-1"',
            costMicros: 3_000_000_000,
            ttftMs: 12,
            status: 'error',
            error: 'upstream 500',
          },
          logRow('row-2'),
        ];
        await channel.writeRequestLogs(rows);
        expect(seen).toEqual([lease, report, rows]);
        // A failure on the control plane rejects (masked), never resolves silently.
        await expect(channel.writeRequestLogs([logRow('boom')])).rejects.toThrow(/Unexpected error/);
      } finally {
        await remote.close();
      }
    } finally {
      await cp.close();
    }
  }, 20_000);
});

const logRow = (id: string): RequestLogRow =>
  requestLogRow(id, { model: 'gpt-4o', virtualKeyId: 'vk-denied' });
