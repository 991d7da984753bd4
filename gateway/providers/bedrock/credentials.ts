/**
 * AWS credentials for a Bedrock key: static `access_key`/`secret_key`/`session_token` from
 * `bedrock_key_config` (`env.VAR` references allowed), else the default chain (the `AWS_*`
 * environment variables, then a web-identity token file: IRSA on EKS). With `role_arn` the result
 * is the source for STS AssumeRole (`external_id`, `session_name`). Minted credentials are cached
 * until five minutes before they expire; concurrent requests share one STS call.
 */
import { readFile } from 'node:fs/promises';
import { GatewayError } from '../../errors.ts';
import { resolveEnv } from '../../util/env.ts';
import { ExpiringCache } from '../translate/expiring-cache.ts';
import type { AwsCredentials } from './sigv4.ts';
import { assumeRole, assumeRoleWithWebIdentity } from './sts.ts';

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
const cached = (id: string, mint: () => Promise<AwsCredentials>) => cache.get(id, mint);

/** Forgets every cached credential (tests). */
export function clearCredentialCache(): void {
  cache.clear();
}

async function defaultChain(region: string): Promise<AwsCredentials> {
  const env = process.env;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
    };
  const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE;
  const roleArn = env.AWS_ROLE_ARN;
  if (tokenFile && roleArn) {
    const session = env.AWS_ROLE_SESSION_NAME || DEFAULT_SESSION;
    return cached(`irsa\u0000${roleArn}\u0000${tokenFile}`, async () => {
      // Kubernetes rotates the projected token: read it at every mint.
      const token = (await readFile(tokenFile, 'utf8')).trim();
      return assumeRoleWithWebIdentity(region, roleArn, session, token);
    });
  }
  throw new GatewayError(
    500,
    'server_error',
    'provider_misconfigured',
    'bedrock: no AWS credentials (set bedrock_key_config access_key/secret_key, AWS_* variables, or IRSA)',
  );
}

export async function resolveCredentials(config: BedrockKeyConfig, region: string): Promise<AwsCredentials> {
  const accessKeyId = field(config, 'access_key');
  const secretAccessKey = field(config, 'secret_key');
  const source: AwsCredentials | Promise<AwsCredentials> =
    accessKeyId && secretAccessKey
      ? { accessKeyId, secretAccessKey, sessionToken: field(config, 'session_token') }
      : defaultChain(region);
  const roleArn = field(config, 'role_arn');
  if (!roleArn) return source;
  const externalId = field(config, 'external_id');
  const sessionName = field(config, 'session_name') ?? DEFAULT_SESSION;
  const base = await source;
  const id = ['assume', region, roleArn, externalId ?? '', sessionName, base.accessKeyId].join('\u0000');
  return cached(id, () => assumeRole({ region, roleArn, sessionName, externalId, source: base }));
}
