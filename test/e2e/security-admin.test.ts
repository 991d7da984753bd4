/**
 * Admin sign-in follows the config across restarts (issue 11, High 5), against started servers
 * sharing one data directory: a renamed admin's old name and sessions stop working, a changed
 * password revokes the admin's sessions, and a restart with the same config logs no one out.
 * API tokens are not bound to an admin and survive both.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on Session { token } } }`;
const API_TOKEN = `mutation { createApiToken(name: "dashboard", scopes: [READ]) {
  ... on CreatedApiToken { token } } }`;

describe('admin sign-in follows the config across restarts', () => {
  let running: HeimdallChild | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  /** Restarts Heimdall on the same data directory with the given admin in the config. */
  function deployment() {
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-admin-'));
    const configFile = join(dir, 'config.json');
    const env = {
      HEIMDALL_CONFIG: configFile,
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_ENCRYPTION_KEY: 'security-admin-test-key',
    };
    return async (username: string, password: string) => {
      await running?.stop();
      const auth = { is_enabled: true, admin_username: username, admin_password: password };
      writeFileSync(configFile, JSON.stringify({ governance: { auth_config: auth } }));
      running = await startHeimdallChild(env);
    };
  }

  async function graphql<T>(query: string, variables: object = {}, token?: string): Promise<T> {
    const response = await fetch(`${running!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return ((await response.json()) as { data: T }).data;
  }

  async function login(username: string, password: string): Promise<string | undefined> {
    const data = await graphql<{ login: { token?: string } }>(LOGIN, { u: username, p: password });
    return data.login.token;
  }

  const signedIn = async (token: string) =>
    (await graphql<{ viewer: { authenticated: boolean } }>('{ viewer { authenticated } }', {}, token)).viewer
      .authenticated;

  it('renamed alice → bob: alice cannot log in and her session is rejected; bob logs in; API tokens stay', async () => {
    const restartAs = deployment();
    await restartAs('alice', 'alice-password-1');
    const aliceSession = (await login('alice', 'alice-password-1'))!;
    const created = await graphql<{ createApiToken: { token: string } }>(API_TOKEN, {}, aliceSession);
    const apiToken = created.createApiToken.token;
    expect(await signedIn(aliceSession)).toBe(true);

    await restartAs('bob', 'bob-password-1');
    expect(await login('alice', 'alice-password-1')).toBeUndefined();
    expect(await signedIn(aliceSession)).toBe(false);
    expect(await signedIn(apiToken)).toBe(true);
    expect(await signedIn((await login('bob', 'bob-password-1'))!)).toBe(true);
    expect(running!.output()).toContain('"removed":["alice"]');
  }, 90_000);

  it("bob's password changed: his old session is revoked (a restart with the same one revokes nothing)", async () => {
    const restartAs = deployment();
    await restartAs('bob', 'bob-password-1');
    const session = (await login('bob', 'bob-password-1'))!;

    await restartAs('bob', 'bob-password-1');
    expect(await signedIn(session)).toBe(true);

    await restartAs('bob', 'bob-password-2');
    expect(await signedIn(session)).toBe(false);
    expect(await login('bob', 'bob-password-1')).toBeUndefined();
    expect(await signedIn((await login('bob', 'bob-password-2'))!)).toBe(true);
    expect(running!.output()).not.toContain('bob-password');
  }, 90_000);
});
