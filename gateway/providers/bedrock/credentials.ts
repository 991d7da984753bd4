/**
 * AWS credentials for a Bedrock key: static `access_key`/`secret_key`/`session_token` from
 * `bedrock_key_config` (`env.VAR` references allowed), else the AWS SDK's default Node chain
 * (`aws-chain.ts`: env, web identity / IRSA, EKS Pod Identity, ECS, EC2 metadata). With `role_arn`
 * the result is the source for STS AssumeRole (`external_id`, `session_name`). Assumed-role
 * credentials are cached until five minutes before they expire; concurrent requests share one
 * STS call.
 */
import { resolveEnv } from '../../util/env.ts';
import { ExpiringCache } from '../translate/expiring-cache.ts';
import type { CredentialLibrary } from '../adapter.ts';
import { AWS_CREDENTIAL_CHAIN, clearAwsChains, defaultChainCredentials } from './aws-chain.ts';
import type { AwsCredentials } from './sigv4.ts';
import { assumeRole } from './sts.ts';

/** Minted credentials are renewed this long before they expire. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const DEFAULT_SESSION = 'heimdall';

export interface BedrockKeyConfig {
  region?: unknown;
  access_key?: unknown;
  secret_key?: unknown;
  session_token?: unknown;
  role_arn?: unknown;
  external_id?: unknown;
  session_name?: unknown;
  deployments?: unknown;
}

export function field(config: BedrockKeyConfig, name: keyof BedrockKeyConfig): string | undefined {
  const value = config[name];
  const resolved = typeof value === 'string' ? resolveEnv(value) : undefined;
  return resolved === undefined || resolved === '' ? undefined : resolved;
}

const cache = new ExpiringCache<AwsCredentials>(REFRESH_MARGIN_MS);

/** Forgets every cached credential and default chain (tests). */
export function clearCredentialCache(): void {
  cache.clear();
  clearAwsChains();
}

/** The key's own `access_key` and `secret_key`, when it has both. */
function staticCredentials(config: BedrockKeyConfig): AwsCredentials | undefined {
  const accessKeyId = field(config, 'access_key');
  const secretAccessKey = field(config, 'secret_key');
  return accessKeyId && secretAccessKey
    ? { accessKeyId, secretAccessKey, sessionToken: field(config, 'session_token') }
    : undefined;
}

/** The AWS SDK's chain, for a key that signs (no API key) without static credentials. */
export function chainLibraryFor(config: BedrockKeyConfig): CredentialLibrary | undefined {
  return staticCredentials(config) === undefined ? AWS_CREDENTIAL_CHAIN : undefined;
}

export async function resolveCredentials(config: BedrockKeyConfig, region: string): Promise<AwsCredentials> {
  const source: AwsCredentials | Promise<AwsCredentials> =
    staticCredentials(config) ?? defaultChainCredentials(region);
  const roleArn = field(config, 'role_arn');
  if (!roleArn) return source;
  const externalId = field(config, 'external_id');
  const sessionName = field(config, 'session_name') ?? DEFAULT_SESSION;
  const base = await source;
  const id = ['assume', region, roleArn, externalId ?? '', sessionName, base.accessKeyId].join('\u0000');
  return cache.get(id, () => assumeRole({ region, roleArn, sessionName, externalId, source: base }));
}
