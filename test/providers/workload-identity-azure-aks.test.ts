/**
 * Azure OpenAI through AKS workload identity, with the variables the AKS webhook injects
 * (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST): the
 * federated service-account token is exchanged at a loopback Entra ID (HTTPS, reached through
 * HTTPS_PROXY) for a cognitiveservices token sent upstream as Bearer; a refused exchange is a 502
 * naming workload identity without the federated token.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
import { ENTRA_HOST, startEntraMock, type EntraMock } from '../mocks/entra-mock.ts';

const FEDERATED_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.signature';
const CLIENT_ID = '11111111-1111-1111-1111-111111111111';
const TENANT_ID = '22222222-2222-2222-2222-222222222222';

const suite = useMockedGateway((mockUrl) =>
  snapshotOf({
    providers: [
      provider('azure', undefined, [
        key({ name: 'entra', value: '', models: ['gpt-4o'], azure_key_config: { endpoint: mockUrl } }),
      ]),
    ],
  }),
);
let entra: EntraMock;
let dir = '';
const savedEnv = { ...process.env };

beforeAll(async () => {
  entra = await startEntraMock(FEDERATED_TOKEN);
  dir = await mkdtemp(join(tmpdir(), 'heimdall-aks-wi-'));
  await writeFile(join(dir, 'azure-identity-token'), FEDERATED_TOKEN);
  for (const name of ['AZURE_CLIENT_SECRET', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT'])
    delete process.env[name];
  Object.assign(process.env, {
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_TENANT_ID: TENANT_ID,
    AZURE_FEDERATED_TOKEN_FILE: join(dir, 'azure-identity-token'),
    AZURE_AUTHORITY_HOST: `https://${ENTRA_HOST}/`,
    // The fake's certificate is self-signed; only the SDK's calls go through the proxy (this
    // worker's undici agents ignore HTTPS_PROXY, and the providers here are plain HTTP).
    HTTPS_PROXY: entra.proxyUrl,
    NODE_TLS_REJECT_UNAUTHORIZED: '0',
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await entra?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  suite.mock.reset();
  entra.tokenRequests.length = 0;
  entra.assertion = FEDERATED_TOKEN;
  clearAzureTokens();
});

const chat = () => postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('azure/gpt-4o'));

describe('azure Entra ID through AKS workload identity', () => {
  it('exchanges the federated token for a cognitiveservices token, sent as Bearer and cached', async () => {
    expect((await chat()).status).toBe(200);
    expect((await chat()).status).toBe(200);
    expect(entra.tokenRequests).toHaveLength(1);
    expect(Object.fromEntries(entra.tokenRequests[0]!)).toMatchObject({
      client_id: CLIENT_ID,
      scope: 'https://cognitiveservices.azure.com/.default',
      grant_type: 'client_credentials',
      client_assertion: FEDERATED_TOKEN,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    for (const upstream of suite.mock.requests)
      expect(upstream.headers.authorization).toBe(`Bearer entra-wi-token-${entra.issued}-0123456789`);
  });

  it('answers 502 naming workload identity when Entra refuses, without the federated token', async () => {
    entra.assertion = 'a-different-federated-token';
    const response = await chat();
    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({ code: 'azure_credentials_error' });
    expect(errorOf(response).message).toMatch(
      /^azure: Entra ID token could not be obtained from workload identity/,
    );
    expect(errorOf(response).message).toContain('AADSTS700024');
    expect(response.text).not.toContain(FEDERATED_TOKEN);
    expect(suite.mock.requests).toHaveLength(0);
  });
});
