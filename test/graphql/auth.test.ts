/**
 * Acceptance: unauthenticated and under-scoped calls are refused with extensions.code, over
 * HTTP and graphql-ws; sessions come from login; failed logins are rate-limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, nextEvents, nextSubscription, type TestControlPlane } from './harness.ts';

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on Session { token } ... on Error { code } ... on LoginRateLimitedError { retryAfterSeconds } } }`;
const TOKEN = `mutation($name: String!, $scopes: [Scope!]!) { createApiToken(name: $name, scopes: $scopes) {
  __typename ... on CreatedApiToken { token adminToken { id scopes } } ... on ValidationError { issues { path message } } } }`;
const UPSERT =
  'mutation { upsertBudget(input: { id: "b", maxLimit: 5, resetDuration: "1d" }) { __typename } }';

describe('control-plane auth (enabled)', () => {
  let cp: TestControlPlane;
  let session: string;
  const tokens: Record<string, string> = {};
  const code = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
    result.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite', {
      auth: { is_enabled: true, admin_username: 'admin', admin_password: 'correct horse battery staple' },
    });
    const login = await cp.ok<{ login: { token: string } }>(LOGIN, {
      u: 'admin',
      p: 'correct horse battery staple',
    });
    session = login.login.token;
    for (const [name, scopes] of [
      ['dash', ['READ']],
      ['script', ['READ', 'WRITE']],
      ['gw', ['GATEWAY']],
    ] as const) {
      const created = await cp.ok<{ createApiToken: { token: string } }>(TOKEN, { name, scopes }, session);
      tokens[name] = created.createApiToken.token;
    }
  });
  afterAll(() => cp.close());

  it('refuses unauthenticated queries, mutations and subscriptions with UNAUTHENTICATED', async () => {
    expect(code(await cp.exec('{ budgets { totalCount } }'))).toBe('UNAUTHENTICATED');
    expect(code(await cp.exec(UPSERT))).toBe('UNAUTHENTICATED');
    expect(code(await cp.exec('{ budgets { totalCount } }', {}, 'hd_not-a-real-token'))).toBe(
      'UNAUTHENTICATED',
    );
    expect(await cp.ok('{ viewer { authEnabled authenticated scopes } }')).toEqual({
      viewer: { authEnabled: true, authenticated: false, scopes: [] },
    });
    const client = await cp.wsClient();
    await expect(nextEvents(client, 'subscription { configChanged { version } }', 1, 2000)).rejects.toThrow(
      /UNAUTHENTICATED/,
    );
  });

  it('refuses calls outside the token’s scopes with FORBIDDEN', async () => {
    expect(await cp.ok('{ budgets { totalCount } }', {}, tokens.dash)).toEqual({
      budgets: { totalCount: 0 },
    });
    expect(code(await cp.exec(UPSERT, {}, tokens.dash))).toBe('FORBIDDEN');
    expect(code(await cp.exec('{ gatewaySnapshot { version } }', {}, tokens.dash))).toBe('FORBIDDEN');
    expect(code(await cp.exec('{ budgets { totalCount } }', {}, tokens.gw))).toBe('FORBIDDEN');
    expect(await cp.ok('{ gatewaySnapshot { version } }', {}, tokens.gw)).toEqual({
      gatewaySnapshot: { version: 0 },
    });
    expect(await cp.ok(UPSERT, {}, tokens.script)).toEqual({ upsertBudget: { __typename: 'Budget' } });
    expect(code(await cp.exec('{ adminTokens { totalCount } }', {}, tokens.dash))).toBe('FORBIDDEN');
  });

  it('keeps credential management to the admin session: a WRITE token cannot mint, list or revoke', async () => {
    // A leaked script token must not turn itself into more (or longer-lived) credentials, nor
    // log the admin out by revoking the session.
    for (const scopes of [['GATEWAY'], ['READ']]) {
      expect(code(await cp.exec(TOKEN, { name: 'x', scopes }, tokens.script))).toBe('FORBIDDEN');
    }
    expect(code(await cp.exec('{ adminTokens { totalCount } }', {}, tokens.script))).toBe('FORBIDDEN');
    const sessions = await cp.ok<{ adminTokens: { edges: Array<{ node: { id: string } }> } }>(
      '{ adminTokens(includeSessions: true) { edges { node { id } } } }',
      {},
      session,
    );
    const sessionId = sessions.adminTokens.edges[0]!.node.id;
    const revoke = 'mutation($id: ID!) { revokeAdminToken(id: $id) { __typename } }';
    expect(code(await cp.exec(revoke, { id: sessionId }, tokens.script))).toBe('FORBIDDEN');
    expect(await cp.ok('{ budgets { totalCount } }', {}, session)).toBeTruthy();
  });

  it('authenticates graphql-ws connections from connectionParams', async () => {
    const client = await cp.wsClient(tokens.dash);
    const subscribed = nextSubscription(cp.pubsub, 'configChanged');
    const events = nextEvents<{ configChanged: { version: number } }>(
      client,
      'subscription { configChanged { version } }',
      1,
    );
    await subscribed();
    await cp.ok(UPSERT.replace('maxLimit: 5', 'maxLimit: 6'), {}, tokens.script);
    expect((await events)[0]!.configChanged.version).toBeGreaterThan(0);
    const bad = await cp.wsClient('hd_forged');
    await expect(nextEvents(bad, '{ configVersion }', 1, 2000)).rejects.toBeTruthy();
  });

  it('rate-limits failed logins, even a later correct one', async () => {
    for (let i = 0; i < 5; i++) {
      const wrong = await cp.ok<{ login: { code: string } }>(LOGIN, { u: 'admin', p: `guess-${i}` });
      expect(wrong.login.code).toBe('INVALID_CREDENTIALS');
    }
    const limited = await cp.ok<{ login: { code: string; retryAfterSeconds: number } }>(LOGIN, {
      u: 'admin',
      p: 'correct horse battery staple',
    });
    expect(limited.login).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.login.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('stores the admin password as an argon2id hash and tokens as SHA-256', async () => {
    const { listAdminUsers, listAdminTokens } = await import('../../db/index.ts');
    const [user] = await listAdminUsers(cp.database);
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);
    for (const token of await listAdminTokens(cp.database)) expect(token.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('control-plane auth (disabled, the dev default)', () => {
  it('allows everything without credentials', async () => {
    const cp = await createTestControlPlane('sqlite');
    try {
      expect(await cp.ok(UPSERT)).toEqual({ upsertBudget: { __typename: 'Budget' } });
      expect(await cp.ok('{ viewer { authEnabled scopes } }')).toEqual({
        viewer: { authEnabled: false, scopes: ['READ', 'WRITE', 'GATEWAY'] },
      });
    } finally {
      await cp.close();
    }
  });
});
