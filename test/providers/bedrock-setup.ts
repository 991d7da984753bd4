/**
 * Shared set-up of the Bedrock tests: a Bedrock + STS mock, an IRSA token file, the AWS
 * environment pointed at the mock, and a gateway whose `bedrock` provider has four keys (static
 * SigV4 keys, a Bedrock API key, an AssumeRole key, an IRSA key) selectable with `x-bf-api-key`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AttemptRecord } from '../../gateway/create-gateway.ts';
import { clearCredentialCache } from '../../gateway/providers/bedrock/credentials.ts';
import {
  BEDROCK_API_KEY,
  IRSA_TOKEN,
  STATIC_KEY,
  startBedrockMock,
  type BedrockMock,
} from '../mocks/bedrock-mock.ts';
import {
  chatBody,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from '../gateway/harness.ts';

export const PROFILE = 'us.anthropic.claude-3-5-sonnet-20240620-v1:0';
export const ROLE = 'arn:aws:iam::999999999999:role/CrossAccountBedrockRole';
export const MODEL = 'bedrock/claude-sonnet';
export const ENCODED = `/model/${encodeURIComponent(PROFILE)}`;

const deployments = { 'claude-sonnet': PROFILE };
const staticConfig = {
  region: 'us-west-2',
  access_key: 'env.TEST_AWS_KEY',
  secret_key: 'env.TEST_AWS_SECRET',
  deployments,
};

function keys() {
  const chatOnly = { models: ['claude-sonnet'], weight: 0, value: '' };
  return [
    key({
      name: 'static',
      value: '',
      models: ['claude-sonnet', 'amazon.titan-embed-text-v2:0', 'cohere.embed-english-v3'],
      bedrock_key_config: staticConfig,
    }),
    key({
      ...chatOnly,
      name: 'apikey',
      value: BEDROCK_API_KEY,
      bedrock_key_config: { region: 'us-west-2', deployments },
    }),
    key({
      ...chatOnly,
      name: 'assume',
      bedrock_key_config: {
        ...staticConfig,
        role_arn: ROLE,
        external_id: 'ext-42',
        session_name: 'heimdall-test',
      },
    }),
    key({ ...chatOnly, name: 'irsa', bedrock_key_config: { region: 'us-east-1', deployments } }),
  ];
}

export interface BedrockEnv {
  mock: BedrockMock;
  gw: RunningGateway;
  client: OpenAI;
  settled: AttemptRecord[];
  chat(extra?: Record<string, unknown>, headers?: Record<string, string>): ReturnType<typeof postJson>;
}

/** Registers the suite hooks; the returned object is filled in by `beforeAll`. */
export function useBedrockGateway(): BedrockEnv {
  const env = { settled: [] as AttemptRecord[] } as BedrockEnv;
  const savedEnv = { ...process.env };
  let dir = '';
  env.chat = (extra = {}, headers = {}) =>
    postJson(`${env.gw.url}/v1/chat/completions`, chatBody(MODEL, extra), headers);
  beforeAll(async () => {
    env.mock = await startBedrockMock();
    dir = await mkdtemp(join(tmpdir(), 'heimdall-irsa-'));
    // Projected service-account tokens carry no trailing newline; the SDK sends the file as is.
    await writeFile(join(dir, 'token'), IRSA_TOKEN);
    process.env.TEST_AWS_KEY = STATIC_KEY.accessKeyId;
    process.env.TEST_AWS_SECRET = STATIC_KEY.secretAccessKey;
    process.env.AWS_ENDPOINT_URL_STS = env.mock.url;
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_WEB_IDENTITY_TOKEN_FILE = join(dir, 'token');
    process.env.AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/BifrostBedrockRole';
    env.gw = await startGateway(snapshotOf({ providers: [provider('bedrock', env.mock.url, keys())] }), {
      onAttemptSettled: (_ctx, attempt) => void env.settled.push(attempt),
    });
    env.client = new OpenAI({ apiKey: 'unused', baseURL: env.gw.baseURL, maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    process.env = savedEnv;
    await env.gw?.close();
    await env.mock?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    env.mock.reset();
    env.mock.credentialSeconds = 3600;
    env.settled.length = 0;
    clearCredentialCache();
  });
  return env;
}
