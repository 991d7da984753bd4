/**
 * Azure OpenAI keys with an empty `value` sign in with Entra ID through @azure/identity, tested
 * against a loopback managed-identity endpoint (App Service style: IDENTITY_ENDPOINT +
 * IDENTITY_HEADER): the token goes upstream as `Authorization: Bearer`, is cached, renewed in the
 * background before expiry, and a refusal is a 502 naming Azure without the identity secret.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearAzureTokens } from '../../gateway/providers/openai-compat/azure-identity.ts';
import {
  chatBody,
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  useMockedGateway,
} from '../gateway/harness.ts';
import {
  entraToken,
  IDENTITY_HEADER,
  IDENTITY_PATH,
  startAzureIdentityMock,
  type AzureIdentityMock,
} from '../mocks/azure-identity-mock.ts';

const suite = useMockedGateway((mockUrl) =>
  snapshotOf({
    providers: [
      provider('azure', undefined, [
        key({
          name: 'entra',
          value: '',
          models: ['gpt-4o'],
          azure_key_config: { endpoint: mockUrl, deployments: { 'gpt-4o': 'gpt-4o-prod' } },
        }),
      ]),
    ],
  }),
);
let identity: AzureIdentityMock;
const savedEnv = { ...process.env };

beforeAll(async () => {
  identity = await startAzureIdentityMock();
});

afterAll(async () => {
  process.env = savedEnv;
  await identity?.close();
});

beforeEach(() => {
  identity.reset();
  suite.mock.reset();
  clearAzureTokens();
  for (const name of ['AZURE_TENANT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_FEDERATED_TOKEN_FILE'])
    delete process.env[name];
  // MSAL caches managed-identity tokens process-wide per identity: a fresh user-assigned identity
  // per test keeps each test's token its own.
  process.env.AZURE_CLIENT_ID = randomUUID();
  process.env.IDENTITY_ENDPOINT = `${identity.url}${IDENTITY_PATH}`;
  process.env.IDENTITY_HEADER = IDENTITY_HEADER;
});

const chat = () => postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('azure/gpt-4o'));

describe('azure Entra ID (managed / workload identity)', () => {
  it('sends a managed-identity token as Bearer for a key without a value, fetched once and cached', async () => {
    expect((await chat()).status).toBe(200);
    expect((await chat()).status).toBe(200);
    expect(identity.requests).toHaveLength(1);
    const asked = new URL(identity.requests[0]!.url, 'http://x').searchParams;
    expect(asked.get('resource')).toBe('https://cognitiveservices.azure.com');
    expect(asked.get('client_id')).toBe(process.env.AZURE_CLIENT_ID);
    expect(suite.mock.requests).toHaveLength(2);
    for (const upstream of suite.mock.requests) {
      expect(upstream.url).toContain('/openai/deployments/gpt-4o-prod/chat/completions');
      expect(upstream.headers.authorization).toBe(`Bearer ${entraToken(1)}`);
      expect(upstream.headers['api-key']).toBeUndefined();
    }
  });

  it('renews the token in the background before it expires, without a request waiting', async () => {
    // Renewal is due four minutes before expiry: one second after this token is issued.
    identity.tokenSeconds = 241;
    expect((await chat()).status).toBe(200);
    identity.tokenSeconds = 3600;
    await vi.waitFor(() => expect(identity.issued).toBe(2), { timeout: 20_000, interval: 50 });
    expect((await chat()).status).toBe(200);
    expect(suite.mock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${entraToken(2)}`);
    expect(identity.issued).toBe(2);
  });

  it('answers 502 naming azure and the managed identity when the endpoint refuses, without its secret', async () => {
    identity.refuse = true;
    const response = await chat();
    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({ code: 'azure_credentials_error' });
    expect(errorOf(response).message).toMatch(
      /^azure: Entra ID token could not be obtained from managed identity/,
    );
    expect(response.text).not.toContain(IDENTITY_HEADER);
    expect(suite.mock.requests).toHaveLength(0);
  });

  it('answers 500 naming what to configure when no identity is set up', async () => {
    for (const name of ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'AZURE_CLIENT_ID']) delete process.env[name];
    // Only the environment link (an @azure/identity setting): no instance-metadata probe leaves here.
    process.env.AZURE_TOKEN_CREDENTIALS = 'EnvironmentCredential';
    const response = await chat();
    delete process.env.AZURE_TOKEN_CREDENTIALS;
    expect(response.status).toBe(500);
    expect(errorOf(response)).toMatchObject({ code: 'provider_misconfigured' });
    expect(errorOf(response).message).toContain('no identity was found');
    expect(suite.mock.requests).toHaveLength(0);
  });
});
