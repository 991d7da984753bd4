/**
 * Issue 11, High 4 and its related medium: an API caller cannot make Heimdall send the process
 * environment (the admin password, the encryption key, cloud credentials) to a provider, nor
 * move stored keys to a host it controls without re-entering them. In process (mutations and
 * applyConfig behave the same) and end to end against a started server with auth on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../db/config/load.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';
import { createTestControlPlane, type TestControlPlane } from './harness.ts';

const ADMIN_PASSWORD = 'correct horse battery staple';
const CORP_KEY = 'sk-corp-literal-secret-0001';
const LOGIN = `mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }`;
const TOKEN = `mutation { createApiToken(name: "ci", scopes: [READ, WRITE]) { ... on CreatedApiToken { token } } }`;
const RESULT = `__typename ... on ValidationError { issues { path message } }`;
const UPSERT_KEY = `mutation($i: ProviderKeyInput!) { upsertProviderKey(input: $i) { ${RESULT} } }`;
const UPSERT_PROVIDER = `mutation($i: ProviderInput!) { upsertProvider(input: $i) { ${RESULT} } }`;
const UPDATE_PROVIDER = `mutation($id: ID!, $p: ProviderPatch!) { updateProvider(id: $id, patch: $p) { ${RESULT} } }`;
const UPDATE_KEY = `mutation($id: ID!, $p: ProviderKeyPatch!) { updateProviderKey(id: $id, patch: $p) { ${RESULT} } }`;
const APPLY = `mutation($doc: JSON!) { applyConfig(document: $doc) { ${RESULT} ... on ConfigPlan { applied } } }`;
const CREATE_VK = `mutation($i: VirtualKeyInput!) { createVirtualKey(input: $i) { ${RESULT} } }`;
const ROTATE_VK = `mutation($v: String!) { rotateVirtualKey(id: "vk-ok", value: $v) { ${RESULT} } }`;

type Issues = { __typename: string; issues?: Array<{ path: string; message: string }> };

function post(url: string, body: unknown, token?: string): Promise<Response> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
  });
}

describe('secrets an API caller cannot reach (in process, auth on)', () => {
  let cp: TestControlPlane;
  let admin: string;
  let write: string;
  const run = async (query: string, variables: Record<string, unknown>, token = write) =>
    Object.values(await cp.ok<Record<string, Issues>>(query, variables, token))[0]!;

  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite', {
      auth: { is_enabled: true, admin_username: 'admin', admin_password: ADMIN_PASSWORD },
      env: {
        HEIMDALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
        HEIMDALL_SECRET_CORP: 'sk-from-an-allowed-variable-0001',
        OPENAI_API_KEY: 'sk-operator-only-0001',
        AWS_SECRET_ACCESS_KEY: 'aws-host-secret-0001',
        HEIMDALL_API_ENV_PREFIXES: 'HEIMDALL_SECRET_*,AWS_',
      },
    });
    admin = (await cp.ok<{ login: { token: string } }>(LOGIN, { p: ADMIN_PASSWORD })).login.token;
    write = (await cp.ok<{ createApiToken: { token: string } }>(TOKEN, {}, admin)).createApiToken.token;
    await run(UPSERT_PROVIDER, {
      i: { name: 'corp', networkConfig: { base_url: 'https://llm.corp.example' } },
    });
    await run(UPSERT_KEY, { i: { provider: 'corp', name: 'primary', value: CORP_KEY, models: ['*'] } });
    await run(UPSERT_PROVIDER, { i: { name: 'azure' } }, admin);
    const azure = { endpoint: 'https://corp.openai.azure.com', api_version: '2024-10-21' };
    await run(
      UPSERT_KEY,
      { i: { provider: 'azure', name: 'az', value: CORP_KEY, azureKeyConfig: azure } },
      admin,
    );
  });
  afterAll(() => cp.close());

  it('refuses env references to Heimdall’s or the host’s credentials and names outside the allow-list', async () => {
    for (const value of [
      'env.HEIMDALL_ADMIN_PASSWORD',
      'env.HEIMDALL_ENCRYPTION_KEY',
      'env.DATABASE_URL',
      'env.AWS_SECRET_ACCESS_KEY', // allow-listed by prefix, still a host credential
      'env.OPENAI_API_KEY',
    ]) {
      const result = await run(UPSERT_KEY, { i: { provider: 'corp', name: 'stolen', value } });
      expect(result.__typename, value).toBe('ValidationError');
      expect(result.issues?.[0]).toMatchObject({ path: 'input.value' });
      expect(result.issues?.[0]?.message).toMatch(/credential|not open to API callers/);
    }
    const proxy = { type: 'http', url: 'http://proxy.corp:3128', password: 'env.HEIMDALL_ADMIN_PASSWORD' };
    const viaProxy = await run(UPSERT_PROVIDER, { i: { name: 'other', proxyConfig: proxy } });
    expect(viaProxy.issues?.[0]?.path).toBe('input.proxyConfig.password');
    const allowed = await run(UPSERT_KEY, {
      i: { provider: 'corp', name: 'ok', value: 'env.HEIMDALL_SECRET_CORP' },
    });
    expect(allowed.__typename).toBe('ProviderKey');
    const keys = await cp.ok<{ providerKeys: { totalCount: number } }>(
      '{ providerKeys { totalCount } }',
      {},
      write,
    );
    expect(keys.providerKeys.totalCount).toBe(3); // corp/primary, corp/ok, azure/az: nothing stolen
  });

  it('applyConfig refuses them too, without telling whether a refused variable is set', async () => {
    const doc = (value: string) => ({ providers: { corp: { keys: [{ name: 'primary', value }] } } });
    const own = await run(APPLY, { doc: doc('env.HEIMDALL_ADMIN_PASSWORD') });
    expect(own.issues).toEqual([
      { path: 'providers.corp.keys[0].value', message: expect.stringMatching(/credential/) },
    ]);
    const unset = await run(APPLY, { doc: doc('env.SOME_UNSET_VARIABLE') });
    expect(unset.issues?.[0]?.message).toMatch(/not open to API callers/);
    const vk = {
      governance: { virtual_keys: [{ id: 'vk-env', name: 'E', value: 'env.HEIMDALL_ADMIN_PASSWORD' }] },
    };
    expect((await run(APPLY, { doc: vk })).issues?.[0]?.path).toBe('governance.virtual_keys[0].value');
  });

  it('repointing a provider with stored keys needs the keys again, or the admin session', async () => {
    const moved = { networkConfig: { base_url: 'http://127.0.0.1:9/v1' } };
    const refused = await run(UPDATE_PROVIDER, { id: 'corp', p: moved });
    expect(refused.__typename).toBe('ValidationError');
    expect(refused.issues?.[0]?.message).toMatch(/stored keys \(primary, ok\)/);
    const doc = (value: string) => ({
      providers: {
        corp: { network_config: { base_url: 'http://127.0.0.1:9/v1' }, keys: [{ name: 'primary', value }] },
      },
    });
    const masked = await run(APPLY, { doc: doc('********0001') });
    expect(masked.issues?.[0]).toMatchObject({ path: 'providers.corp.network_config.base_url' });
    expect(masked.issues?.[0]?.message).toMatch(/primary\.value.*\bok \(not in the document\)/);
    const provider = await cp.ok<{ provider: { networkConfig: unknown } }>(
      '{ provider(name: "corp") { networkConfig } }',
      {},
      write,
    );
    expect(provider.provider.networkConfig).toEqual({ base_url: 'https://llm.corp.example' });
    expect((await run(UPDATE_PROVIDER, { id: 'corp', p: moved }, admin)).__typename).toBe('Provider');
  });

  it('moving a key’s endpoint needs its value again', async () => {
    const endpoint = { endpoint: 'https://evil.example', api_version: '2024-10-21' };
    const refused = await run(UPDATE_KEY, { id: 'azure/az', p: { azureKeyConfig: endpoint } });
    expect(refused.issues?.[0]).toMatchObject({ path: 'patch.azureKeyConfig.endpoint' });
    const given = await run(UPDATE_KEY, {
      id: 'azure/az',
      p: { azureKeyConfig: endpoint, value: 'az-re-entered-0001' },
    });
    expect(given.__typename).toBe('ProviderKey');
  });

  it('refuses virtual key values shorter than 20 characters (API and config file)', async () => {
    const short = await run(CREATE_VK, { i: { id: 'vk-short', name: 'S', value: 'sk-bf-short' } });
    expect(short.issues).toEqual([
      { path: 'input.value', message: expect.stringMatching(/at least 20 characters/) },
    ]);
    await run(CREATE_VK, { i: { id: 'vk-ok', name: 'OK', value: 'sk-bf-long-enough-value-0001' } });
    expect((await run(ROTATE_VK, { v: 'too-short' })).issues?.[0]?.path).toBe('value');
    const raw = {
      providers: { openai: { keys: [{ name: 'k', value: 'env.HEIMDALL_ADMIN_PASSWORD' }] } },
      governance: { virtual_keys: [{ id: 'v', name: 'V', value: 'sk-bf-1' }] },
    };
    const messages = (() => {
      try {
        validateConfig(raw, { env: { HEIMDALL_ADMIN_PASSWORD: 'x' } });
        return '';
      } catch (error) {
        return String(error);
      }
    })();
    expect(messages).toMatch(
      /providers\.openai\.keys\[0\]\.value: env\.HEIMDALL_ADMIN_PASSWORD holds one of Heimdall's own/,
    );
    expect(messages).toMatch(/governance\.virtual_keys\[0\]\.value: a virtual key value needs at least 20/);
    expect(messages).not.toContain('sk-bf-1');
  });
});

describe('secrets an API caller cannot reach (started server, auth on)', () => {
  const PASSWORD = 'e2e-admin-password-never-upstream';
  let heimdall: HeimdallChild;
  let legit: OpenAIMock;
  let attacker: OpenAIMock;
  let admin: string;
  let write: string;
  const graphql = async (query: string, variables: object, token: string) =>
    Object.values(
      (
        (await (await post(`${heimdall.url}/graphql`, { query, variables }, token)).json()) as {
          data: Record<string, Issues>;
        }
      ).data,
    )[0]!;
  const chat = (model: string) =>
    post(`${heimdall.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] });

  beforeAll(async () => {
    [legit, attacker] = await Promise.all([startOpenAIMock(), startOpenAIMock()]);
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-secrets-'));
    const config = {
      providers: {
        corp: {
          keys: [{ name: 'primary', value: CORP_KEY, models: ['*'] }],
          network_config: { base_url: legit.url },
        },
      },
      governance: {
        auth_config: {
          is_enabled: true,
          admin_username: 'admin',
          admin_password: 'env.HEIMDALL_ADMIN_PASSWORD',
          disable_auth_on_inference: true,
        },
      },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    heimdall = await startHeimdallChild({
      HEIMDALL_CONFIG: join(dir, 'config.json'),
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_ENCRYPTION_KEY: 'security-secrets-e2e-key',
      HEIMDALL_ADMIN_PASSWORD: PASSWORD,
    });
    const res = await post(`${heimdall.url}/graphql`, { query: LOGIN, variables: { p: PASSWORD } });
    admin = ((await res.json()) as { data: { login: { token: string } } }).data.login.token;
    write = ((await graphql(TOKEN, {}, admin)) as unknown as { token: string }).token;
  });
  afterAll(async () => {
    await heimdall?.stop();
    await Promise.all([legit?.close(), attacker?.close()]);
  });

  it('a WRITE token cannot make the admin password, or the stored keys, reach its host', async () => {
    expect(
      (
        await graphql(
          UPSERT_PROVIDER,
          { i: { name: 'evil', networkConfig: { base_url: attacker.url } } },
          write,
        )
      ).__typename,
    ).toBe('Provider');
    const stolen = await graphql(
      UPSERT_KEY,
      { i: { provider: 'evil', name: 'k', value: 'env.HEIMDALL_ADMIN_PASSWORD', models: ['*'] } },
      write,
    );
    expect(stolen.__typename).toBe('ValidationError');
    await chat('evil/gpt-4o-mini');
    const repoint = await graphql(
      UPDATE_PROVIDER,
      { id: 'corp', p: { networkConfig: { base_url: attacker.url } } },
      write,
    );
    expect(repoint.__typename).toBe('ValidationError');
    expect((await chat('corp/gpt-4o-mini')).status).toBe(200);
    expect(JSON.stringify(legit.requests)).toContain(CORP_KEY);
    const seen = JSON.stringify(attacker.requests);
    expect(seen).not.toContain(PASSWORD);
    expect(seen).not.toContain(CORP_KEY);
  });

  it('the admin session may repoint; the move is logged without the key', async () => {
    const moved = await graphql(
      UPDATE_PROVIDER,
      { id: 'corp', p: { networkConfig: { base_url: attacker.url } } },
      admin,
    );
    expect(moved.__typename).toBe('Provider');
    const line = heimdall
      .output()
      .split('\n')
      .find((l) => l.includes('where stored provider secrets are sent changed'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      provider: 'corp',
      fields: ['network_config.base_url'],
      caller: 'session',
    });
    expect(heimdall.output()).not.toContain(CORP_KEY);
  });
});
