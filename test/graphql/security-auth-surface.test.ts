/**
 * Issue 11, Low: with auth on, introspection needs a READ token; failed logins lock out one
 * (username, client address) pair, not the admin everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, ensureAdminUser } from '../../api/graphql/auth.ts';
import { LoginLimiter } from '../../api/graphql/login-limiter.ts';
import { InvalidCredentialsError, LoginRateLimitedError } from '../../schema/errors.ts';
import { createTestControlPlane, openTestDatabase, type TestControlPlane } from './harness.ts';

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on Session { token } } }`;
const TOKEN = `mutation($scopes: [Scope!]!) { createApiToken(name: "t", scopes: $scopes) { ... on CreatedApiToken { token } } }`;
const SCHEMA = '{ __schema { queryType { name } } }';
const TYPE = '{ __type(name: "Budget") { name } }';
const PASSWORD = 'correct horse battery staple';

describe('introspection with auth on', () => {
  let cp: TestControlPlane;
  let read: string;
  let gateway: string;
  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite', {
      auth: { is_enabled: true, admin_username: 'admin', admin_password: PASSWORD },
    });
    const session = (await cp.ok<{ login: { token: string } }>(LOGIN, { u: 'admin', p: PASSWORD })).login
      .token;
    const token = async (scopes: string[]) =>
      (await cp.ok<{ createApiToken: { token: string } }>(TOKEN, { scopes }, session)).createApiToken.token;
    read = await token(['READ']);
    gateway = await token(['GATEWAY']);
  });
  afterAll(() => cp.close());

  it('refuses __schema and __type to an anonymous caller, even inside a fragment', async () => {
    for (const query of [SCHEMA, TYPE, '{ ...Q } fragment Q on Query { __schema { types { name } } }']) {
      const result = await cp.exec(query);
      expect(result.data).toBeUndefined();
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.errors?.[0]?.message).toContain('READ scope');
    }
  });

  it('refuses it to a token without READ, and answers it with READ', async () => {
    expect((await cp.exec(SCHEMA, {}, gateway)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await cp.ok(SCHEMA, {}, read)).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(await cp.ok(TYPE, {}, read)).toEqual({ __type: { name: 'Budget' } });
  });

  it('still answers __typename and the viewer anonymously', async () => {
    expect(await cp.ok('{ __typename viewer { authenticated } }')).toEqual({
      __typename: 'Query',
      viewer: { authenticated: false },
    });
  });

  it('refuses anonymous introspection over graphql-ws too', async () => {
    const client = await cp.wsClient();
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: SCHEMA }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(JSON.stringify(result)).toContain('UNAUTHENTICATED');
  });
});

describe('introspection with auth off', () => {
  it('is open, as every other field is', async () => {
    const cp = await createTestControlPlane('sqlite');
    try {
      expect(await cp.ok(SCHEMA)).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await cp.close();
    }
  });
});

describe('login throttling', () => {
  it('locks out the guessing client for that username only; the admin still signs in elsewhere', async () => {
    const { database, drop } = await openTestDatabase('sqlite');
    try {
      await ensureAdminUser(database, { username: 'admin', password: PASSWORD });
      const auth = createAuthenticator({
        database,
        env: {},
        settings: { is_enabled: true, admin_username: 'admin', admin_password: PASSWORD },
      });
      for (let i = 0; i < 5; i++)
        await expect(auth.login('admin', 'wrong', '203.0.113.9')).rejects.toBeInstanceOf(
          InvalidCredentialsError,
        );
      // The guessing address is locked out even with the right password…
      await expect(auth.login('admin', PASSWORD, '203.0.113.9')).rejects.toBeInstanceOf(
        LoginRateLimitedError,
      );
      // …while the admin, from anywhere else, is not.
      await expect(auth.login('admin', PASSWORD, '198.51.100.7')).resolves.toMatchObject({
        username: 'admin',
      });
    } finally {
      await database.close();
      await drop();
    }
  });

  it('caps one client across usernames, so spraying names buys no extra guesses', () => {
    let now = 0;
    const limiter = new LoginLimiter({ maxFailures: 5, maxClientFailures: 8, now: () => now });
    for (let i = 0; i < 8; i++) limiter.fail({ username: `user${i}`, client: 'a' });
    expect(limiter.retryAfterSeconds({ username: 'admin', client: 'a' })).toBe(900);
    expect(limiter.retryAfterSeconds({ username: 'admin', client: 'b' })).toBe(0);
    now += 15 * 60_000;
    expect(limiter.retryAfterSeconds({ username: 'admin', client: 'a' })).toBe(0);
  });

  it('remembers a bounded number of keys', () => {
    const limiter = new LoginLimiter({ maxKeys: 4 });
    for (let i = 0; i < 100; i++) limiter.fail({ username: 'admin', client: `10.0.0.${i}` });
    expect((limiter as unknown as { failures: Map<string, number[]> }).failures.size).toBeLessThanOrEqual(4);
  });
});
