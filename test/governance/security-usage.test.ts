/**
 * A GATEWAY token reports usage, it does not rewrite budgets. Over real HTTP
 * to the control plane's GraphQL channel (auth on), on the memory (SQLite) and database
 * (Postgres) counter stores: negative amounts are refused with the field named, and a release
 * never gives back more than the same holder reserved (a lease release past what the holder's
 * leases hold, a request's release past its reserve, another holder's lease) — so an exhausted
 * budget stays exhausted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GovernanceService } from '../../api/counters/service.ts';
import { createLogger } from '../../api/logger.ts';
import { createTestControlPlane, DIALECTS, type TestControlPlane } from '../graphql/harness.ts';

const PASSWORD = 'security-usage admin password';
const LIMIT = 1_000_000; // $1 in micro-dollars
const silent = createLogger('error', () => undefined);
const REPORT = 'mutation($r: UsageReportInput!) { reportUsage(input: $r) }';
const LEASE = `mutation($l: LeaseRequestInput!) { acquireLease(input: $l) { granted reserved } }`;

type Entry = {
  requestId: string;
  attempt: number;
  kind: 'RESERVE' | 'SETTLE' | 'RELEASE';
  amountMicros: number;
};
type Reply = {
  data?: Record<string, unknown>;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

describe.each(DIALECTS)('usage reports cannot rewrite budgets (%s)', (dialect) => {
  let cp: TestControlPlane;
  let service: GovernanceService;
  let url: string;
  let gateway: string;
  let batch = 0;

  const call = async (query: string, variables: object): Promise<Reply> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Reply;
  };
  const report = (holder: string, budgetId: string, ledger: Entry[]) =>
    call(REPORT, {
      r: { holder, batch: ++batch, ledger: ledger.map((e) => ({ ...e, budgetId })), rateReturns: [] },
    });
  const lease = async (holder: string, id: string, seq: number, want: number) =>
    (await call(LEASE, { l: { holder, kind: 'BUDGET', id, seq, want, min: 1 } })).data?.acquireLease as {
      granted: string;
    };
  const counters = async (id: string) => {
    await service.flush();
    return (await service.store.budgetCounters(id))!;
  };
  const budget = async (id: string) =>
    cp.ok(
      `mutation { upsertBudget(input: { id: "${id}", maxLimit: 1, resetDuration: "1d", mode: STRICT }) { __typename } }`,
      {},
      admin,
    );
  let admin: string;

  beforeAll(async () => {
    cp = await createTestControlPlane(dialect, {
      auth: { is_enabled: true, admin_username: 'admin', admin_password: PASSWORD },
    });
    const login = await cp.ok<{ login: { token: string } }>(
      'mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }',
      { p: PASSWORD },
    );
    admin = login.login.token;
    const created = await cp.ok<{ createApiToken: { token: string } }>(
      'mutation { createApiToken(name: "gw", scopes: [GATEWAY]) { ... on CreatedApiToken { token } } }',
      {},
      admin,
    );
    gateway = created.createApiToken.token;
    for (const id of ['spent', 'leased', 'per-request']) await budget(id);
    service = await GovernanceService.open({
      database: cp.database,
      logger: silent,
      store: dialect === 'sqlite' ? 'memory' : 'database',
    });
    await cp.serveSources({ governance: service });
    url = (await cp.listen()).url;
  });
  afterAll(async () => {
    await service?.close();
    await cp?.close();
  });

  it('refuses negative amounts, naming the field, and changes nothing', async () => {
    await report('gw-1', 'spent', [{ requestId: 'r1', attempt: 0, kind: 'SETTLE', amountMicros: LIMIT }]);
    expect((await counters('spent')).used).toBe(LIMIT);
    const forged = await report('gw-1', 'spent', [
      { requestId: 'r2', attempt: 0, kind: 'SETTLE', amountMicros: -999 * LIMIT },
    ]);
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(forged.errors?.[0]?.message).toMatch(/input\.ledger\[0\]\.amountMicros: expected an amount ≥ 0/);
    const negativeLease = await call(LEASE, {
      l: { holder: 'gw-1', kind: 'REQUESTS', id: 'x', seq: 1, want: -5, min: 0, force: true },
    });
    expect(negativeLease.errors?.[0]?.message).toMatch(/input\.want/);
    expect(await counters('spent')).toMatchObject({ used: LIMIT, reserved: 0 });
    expect((await lease('gw-1', 'spent', 1, 500_000)).granted).toBe('0');
  });

  it('caps lease releases at what the holder’s leases hold (replays and other holders included)', async () => {
    expect((await lease('gw-2', 'leased', 1, 400_000)).granted).toBe('400000');
    expect((await lease('gw-2', 'leased', 1, 400_000)).granted).toBe('400000'); // a replay, not a second lease
    const release = (holder: string, owner: string, attempt: number, amount: number) =>
      report(holder, 'leased', [
        { requestId: `lease:${owner}`, attempt, kind: 'RELEASE', amountMicros: amount },
      ]);
    expect((await release('gw-2', 'gw-2', 1, 900_000)).data?.reportUsage).toBe(true);
    expect((await counters('leased')).reserved).toBe(0); // 400,000 given back, not 900,000
    await release('gw-2', 'gw-2', 2, 400_000);
    await release('gw-3', 'gw-3', 1, 5 * LIMIT); // never leased anything
    await release('gw-3', 'gw-2', 3, 5 * LIMIT); // someone else's lease
    expect(await counters('leased')).toMatchObject({ reserved: 0 });
    await report('gw-2', 'leased', [{ requestId: 'r3', attempt: 0, kind: 'SETTLE', amountMicros: LIMIT }]);
    expect((await lease('gw-2', 'leased', 2, 1)).granted).toBe('0'); // still exhausted
  });

  it('caps a request’s release at what that request reserved in the report', async () => {
    await report('gw-4', 'per-request', [
      { requestId: 'r4', attempt: 0, kind: 'RESERVE', amountMicros: 300_000 },
      { requestId: 'r4', attempt: 0, kind: 'SETTLE', amountMicros: LIMIT },
      { requestId: 'r4', attempt: 0, kind: 'RELEASE', amountMicros: 50 * LIMIT },
      { requestId: 'r5', attempt: 0, kind: 'RELEASE', amountMicros: 50 * LIMIT },
    ]);
    expect(await counters('per-request')).toMatchObject({ used: LIMIT, reserved: 0 });
    expect((await lease('gw-4', 'per-request', 1, 1)).granted).toBe('0');
  });
});
