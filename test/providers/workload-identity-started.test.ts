/**
 * Workload identity as a pod meets it: `npm start` (a child process) with the seeds' key shapes —
 * a Bedrock key and an Azure key, both with an empty `value` — and the environment EKS Pod
 * Identity and a managed identity give a pod, pointed at loopback fakes of the Pod Identity agent,
 * the managed-identity endpoint, Bedrock and Azure OpenAI. Both answer; no credential is logged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chatBody, postJson } from '../gateway/harness.ts';
import {
  CONTAINER_PATH,
  POD_IDENTITY_TOKEN,
  startAwsIdentityMock,
  type AwsIdentityMock,
} from '../mocks/aws-identity-mock.ts';
import {
  entraToken,
  IDENTITY_HEADER,
  IDENTITY_PATH,
  startAzureIdentityMock,
  type AzureIdentityMock,
} from '../mocks/azure-identity-mock.ts';
import { startBedrockMock, type BedrockMock } from '../mocks/bedrock-mock.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';

const PROFILE = 'us.anthropic.claude-3-5-sonnet-20240620-v1:0';
let bedrock: BedrockMock;
let azure: OpenAIMock;
let awsIdentity: AwsIdentityMock;
let azureIdentity: AzureIdentityMock;
let heimdall: HeimdallChild | undefined;
let dir: string;

beforeAll(async () => {
  bedrock = await startBedrockMock();
  azure = await startOpenAIMock();
  awsIdentity = await startAwsIdentityMock(bedrock);
  azureIdentity = await startAzureIdentityMock();
  dir = mkdtempSync(join(tmpdir(), 'heimdall-workload-identity-'));
  writeFileSync(join(dir, 'eks-pod-identity-token'), POD_IDENTITY_TOKEN);
  const config = {
    providers: {
      bedrock: {
        keys: [
          {
            name: 'irsa',
            value: '',
            models: ['claude-sonnet'],
            bedrock_key_config: { region: 'us-east-1', deployments: { 'claude-sonnet': PROFILE } },
          },
        ],
        network_config: { base_url: bedrock.url },
      },
      azure: {
        keys: [
          {
            name: 'entra',
            value: '',
            models: ['gpt-4o'],
            azure_key_config: { endpoint: azure.url, api_version: '2024-10-21' },
          },
        ],
      },
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  // What the clusters' webhooks put in the pod; nothing from this machine's own AWS/Azure set-up.
  const env: NodeJS.ProcessEnv = {
    HEIMDALL_CONFIG: join(dir, 'config.json'),
    HEIMDALL_DATA_DIR: join(dir, 'data'),
    HEIMDALL_ENCRYPTION_KEY: 'workload-identity-test-encryption-key',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${awsIdentity.url}${CONTAINER_PATH}`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(dir, 'eks-pod-identity-token'),
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    IDENTITY_ENDPOINT: `${azureIdentity.url}${IDENTITY_PATH}`,
    IDENTITY_HEADER,
  };
  for (const name of Object.keys(process.env))
    if (/^(AWS_|AZURE_|MSI_)/.test(name) && !(name in env)) env[name] = undefined;
  heimdall = await startHeimdallChild(env, 30_000);
}, 40_000);

afterAll(async () => {
  await heimdall?.stop();
  await Promise.all([bedrock?.close(), azure?.close(), awsIdentity?.close(), azureIdentity?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

it('serves Bedrock with EKS Pod Identity and Azure with a managed identity, logging no credential', async () => {
  const bedrockAnswer = await postJson(
    `${heimdall!.url}/v1/chat/completions`,
    chatBody('bedrock/claude-sonnet'),
  );
  expect(bedrockAnswer.status).toBe(200);
  const signed = bedrock.requests.find((r) => r.path.endsWith('/converse'))!;
  expect(signed.headers.authorization).toContain('Credential=ASIA1POD/');

  const azureAnswer = await postJson(`${heimdall!.url}/v1/chat/completions`, chatBody('azure/gpt-4o'));
  expect(azureAnswer.status).toBe(200);
  expect(azure.requests[0]!.headers.authorization).toBe(`Bearer ${entraToken(1)}`);

  const output = heimdall!.output();
  for (const secret of [POD_IDENTITY_TOKEN, IDENTITY_HEADER, entraToken(1), 'secret-ASIA1POD'])
    expect(output).not.toContain(secret);
});
