/**
 * Bedrock keys without static keys take credentials from the AWS SDK's default chain, tested
 * against loopback fakes: the EKS Pod Identity agent (AWS_CONTAINER_CREDENTIALS_FULL_URI with an
 * authorization token file), EC2 instance metadata (IMDSv2), IRSA (in bedrock-credentials.test.ts),
 * and the chain finding nothing. Credentials are cached and renewed ahead of expiry.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorOf } from '../gateway/harness.ts';
import {
  CONTAINER_PATH,
  POD_IDENTITY_TOKEN,
  startAwsIdentityMock,
  type AwsIdentityMock,
} from '../mocks/aws-identity-mock.ts';
import { useBedrockGateway } from './bedrock-setup.ts';

const env = useBedrockGateway();
let identity: AwsIdentityMock;
let dir = '';

const CHAIN_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
];

beforeAll(async () => {
  identity = await startAwsIdentityMock(env.mock);
  dir = await mkdtemp(join(tmpdir(), 'heimdall-pod-identity-'));
  await writeFile(join(dir, 'eks-pod-identity-token'), POD_IDENTITY_TOKEN);
});

afterAll(async () => {
  await identity?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  identity.reset();
  // Only what each test sets: no IRSA from the shared set-up, no ~/.aws files, no real IMDS.
  for (const name of CHAIN_VARIABLES) delete process.env[name];
  process.env.AWS_CONFIG_FILE = join(dir, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'no-credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});

function usePodIdentity(): void {
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${identity.url}${CONTAINER_PATH}`;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = join(dir, 'eks-pod-identity-token');
}

const bedrockCalls = () => env.mock.requests.filter((r) => r.path.endsWith('/converse'));

describe('bedrock workload identity (AWS default chain)', () => {
  it('signs with EKS Pod Identity credentials from the agent, fetched once and cached', async () => {
    usePodIdentity();
    expect((await env.chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    expect((await env.chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    const agentCalls = identity.requests.filter((r) => r.path === CONTAINER_PATH);
    expect(agentCalls).toHaveLength(1);
    expect(agentCalls[0]!.headers.authorization).toBe(POD_IDENTITY_TOKEN);
    for (const call of bedrockCalls()) {
      expect(call.headers.authorization).toMatch(/Credential=ASIA1POD\/\d{8}\/us-east-1\/bedrock/);
      expect(call.headers['x-amz-security-token']).toBe('token-ASIA1POD');
    }
  });

  it('renews the credentials in the background before they expire, without a request waiting', async () => {
    usePodIdentity();
    // Renewal is due ten minutes before expiry: one second after this mint.
    identity.credentialSeconds = 601;
    expect((await env.chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    expect(identity.minted).toEqual(['ASIA1POD']);
    identity.credentialSeconds = 3600;
    await vi.waitFor(() => expect(identity.minted).toEqual(['ASIA1POD', 'ASIA2POD']), {
      timeout: 20_000,
      interval: 50,
    });
    expect((await env.chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    expect(bedrockCalls().at(-1)!.headers.authorization).toContain('Credential=ASIA2POD/');
    expect(identity.minted).toHaveLength(2);
  });

  it('uses EC2 instance metadata (IMDSv2) when nothing else is configured', async () => {
    delete process.env.AWS_EC2_METADATA_DISABLED;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = identity.url;
    expect((await env.chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    expect(bedrockCalls()[0]!.headers.authorization).toContain('Credential=ASIA1EC2/');
    expect(identity.requests.some((r) => r.method === 'PUT' && r.path === '/latest/api/token')).toBe(true);
  });

  it('answers 502 naming bedrock when the Pod Identity agent refuses, without the token', async () => {
    usePodIdentity();
    await writeFile(join(dir, 'wrong-token'), 'not-the-pod-identity-token-value');
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = join(dir, 'wrong-token');
    const response = await env.chat({}, { 'x-bf-api-key': 'irsa' });
    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({ code: 'aws_credentials_error' });
    expect(errorOf(response).message).toMatch(
      /^bedrock: AWS credentials could not be obtained: the container credentials endpoint \(EKS Pod Identity/,
    );
    expect(JSON.stringify(response.body)).not.toContain('not-the-pod-identity-token-value');
    expect(bedrockCalls()).toHaveLength(0);
  });

  it('answers 500 naming what is missing when the chain finds no credentials', async () => {
    const response = await env.chat({}, { 'x-bf-api-key': 'irsa' });
    expect(response.status).toBe(500);
    expect(errorOf(response)).toMatchObject({ code: 'provider_misconfigured' });
    expect(errorOf(response).message).toContain('bedrock: no AWS credentials');
    expect(errorOf(response).message).toContain('EKS Pod Identity');
  });
});
