/**
 * Issue 11, High 4 (related): a proxy's stored password goes to whatever proxy the provider
 * names, so a WRITE token moving the proxy must re-enter it (or clear it) — through the mutations
 * and through applyConfig alike; the admin session may move it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, type TestControlPlane } from './harness.ts';

const ADMIN_PASSWORD = 'proxy repoint admin passphrase';
const PROXY_PASSWORD = 'corp-proxy-literal-password-01';
/** How the API shows the stored password, and what a caller sends back to keep it. */
const MASK = `********${PROXY_PASSWORD.slice(-4)}`;
const RESULT = `__typename ... on ValidationError { issues { path message } }`;
const UPSERT = `mutation($i: ProviderInput!) { upsertProvider(input: $i) { ${RESULT} } }`;
const UPDATE = `mutation($id: ID!, $p: ProviderPatch!) { updateProvider(id: $id, patch: $p) { ${RESULT} } }`;
const APPLY = `mutation($doc: JSON!) { applyConfig(document: $doc) { ${RESULT} ... on ConfigPlan { applied } } }`;

type Outcome = { __typename: string; issues?: Array<{ path: string; message: string }> };

describe('moving a provider proxy that has a stored password', () => {
  let cp: TestControlPlane;
  let admin: string;
  let write: string;
  const run = async (query: string, variables: Record<string, unknown>, token = write) =>
    Object.values(await cp.ok<Record<string, Outcome>>(query, variables, token))[0]!;
  const proxy = (url: string, password: string) => ({ type: 'http', url, username: 'openai', password });

  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite', {
      auth: { is_enabled: true, admin_username: 'admin', admin_password: ADMIN_PASSWORD },
    });
    const login = `mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }`;
    admin = (await cp.ok<{ login: { token: string } }>(login, { p: ADMIN_PASSWORD })).login.token;
    const token = `mutation { createApiToken(name: "ci", scopes: [READ, WRITE]) { ... on CreatedApiToken { token } } }`;
    write = (await cp.ok<{ createApiToken: { token: string } }>(token, {}, admin)).createApiToken.token;
    const created = await run(UPSERT, {
      i: { name: 'openai', proxyConfig: proxy('http://proxy.corp:3128', PROXY_PASSWORD) },
    });
    expect(created.__typename).toBe('Provider');
  });
  afterAll(() => cp.close());

  it('refuses a WRITE token that keeps the stored password (sent back as its mask)', async () => {
    const patch = await run(UPDATE, {
      id: 'openai',
      p: { proxyConfig: proxy('http://evil.example:3128', MASK) },
    });
    expect(patch.__typename).toBe('ValidationError');
    const masked = await run(UPSERT, {
      i: { name: 'openai', proxyConfig: proxy('http://evil.example:3128', MASK) },
    });
    expect(masked.issues?.[0]?.path).toMatch(/proxyConfig\.password$/);
    expect(masked.issues?.[0]?.message).toMatch(/stored proxy password/);
    const doc = {
      providers: { openai: { keys: [], proxy_config: proxy('http://evil.example:3128', MASK) } },
    };
    const applied = await run(APPLY, { doc });
    expect(applied.__typename).toBe('ValidationError');
    expect(applied.issues?.[0]?.message).toMatch(/proxy_config\.password/);
    expect(JSON.stringify([patch, masked, applied])).not.toContain(PROXY_PASSWORD);
  });

  it('accepts the move with the password re-entered, or in the admin session', async () => {
    const given = await run(UPSERT, {
      i: { name: 'openai', proxyConfig: proxy('http://proxy2.corp:3128', 'a-new-proxy-password') },
    });
    expect(given.__typename).toBe('Provider');
    const byAdmin = await run(
      UPDATE,
      {
        id: 'openai',
        p: { proxyConfig: proxy('http://proxy3.corp:3128', '********word' /* the re-entered one's mask */) },
      },
      admin,
    );
    expect(byAdmin.__typename).toBe('Provider');
  });
});
