/**
 * The AWS SDK's default Node credential chain (`fromNodeProviderChain`) for Bedrock keys without
 * static keys: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, shared config/SSO profiles, web
 * identity (IRSA: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, STS at `AWS_ENDPOINT_URL_STS`
 * when set), EKS Pod Identity / ECS (`AWS_CONTAINER_CREDENTIALS_FULL_URI` or `_RELATIVE_URI`, with
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)`), then EC2 instance metadata (endpoint override:
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT`). One chain per region (STS calls go to the key's region);
 * what it resolves is cached and renewed in the background ten minutes before expiry, so requests
 * sign with cached credentials. Errors name what is missing, never a credential.
 */
import type * as CredentialProviders from '@aws-sdk/credential-providers';
import { GatewayError } from '../../core/errors.ts';
import { credentialLibrary } from '../credential-library.ts';
import { RefreshAhead } from '../refresh-ahead.ts';
import type { AwsCredentials } from './sigv4.ts';

type Chain = ReturnType<typeof CredentialProviders.fromNodeProviderChain>;
const chains = new Map<string, Chain>();
// Imported when a snapshot first has a key without static keys (the snapshot store), else on first
// use: keys with static credentials (and other providers) never need it (~20 ms to import).
export const AWS_CREDENTIAL_CHAIN = credentialLibrary(
  '@aws-sdk/credential-providers',
  (): Promise<typeof CredentialProviders> => import('@aws-sdk/credential-providers'),
);
// Five minutes is also where the SDK itself would renew; renewing ahead keeps requests off it.
const resolved = new RefreshAhead<AwsCredentials>(5 * 60_000, 5 * 60_000);

/** Forgets every chain and what it resolved (tests; a changed environment). */
export function clearAwsChains(): void {
  chains.clear();
  resolved.clear();
}

async function chainFor(region: string): Promise<Chain> {
  let chain = chains.get(region);
  if (!chain) {
    chain = (await AWS_CREDENTIAL_CHAIN.load()).fromNodeProviderChain({
      clientConfig: { region },
      // Names the IRSA session in CloudTrail as before (the SDK's default is a timestamp).
      roleSessionName: process.env.AWS_ROLE_SESSION_NAME || 'heimdall',
    });
    // Another request may have created it while the module loaded: keep the first.
    chain = chains.get(region) ?? chain;
    chains.set(region, chain);
  }
  return chain;
}

/**
 * The identity source set up in the environment, if any. The chain's own final error only says
 * "none found", so when a source is set up its failure is named instead (a 502, not a 500).
 */
function configuredSource(): string | undefined {
  const env = process.env;
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
    return 'the container credentials endpoint (EKS Pod Identity agent or ECS task role: AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI and its authorization token)';
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE)
    return 'web identity (IRSA: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)';
  if (env.AWS_EC2_METADATA_SERVICE_ENDPOINT)
    return 'EC2 instance metadata (AWS_EC2_METADATA_SERVICE_ENDPOINT)';
  return undefined;
}

const NONE_FOUND =
  'bedrock: no AWS credentials (set bedrock_key_config access_key/secret_key, or give the pod an ' +
  'identity: AWS_* variables, IRSA web identity, EKS Pod Identity, ECS task role or EC2 instance profile)';

function mapped(error: unknown): GatewayError {
  const name = error instanceof Error ? error.name : 'Error';
  let reason = `${name}: ${error instanceof Error ? error.message : String(error)}`;
  if (name === 'CredentialsProviderError') {
    const source = configuredSource();
    // Every link found nothing to use and none was set up: a deployment problem.
    if (!source) return new GatewayError(500, 'server_error', 'provider_misconfigured', NONE_FOUND);
    reason = `${source} gave none`;
  }
  // A source is set up but refused or failed (STS AccessDenied, Pod Identity agent 401 or down).
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return new GatewayError(
    502,
    'upstream_error',
    'aws_credentials_error',
    `bedrock: AWS credentials could not be obtained: ${reason}`,
    { retryable: status === undefined || status >= 500 },
  );
}

async function mint(region: string): Promise<AwsCredentials> {
  let identity;
  try {
    // Our cache decides when to renew; the SDK's memo would otherwise hand back the same keys.
    identity = await (await chainFor(region))({ forceRefresh: true });
  } catch (error) {
    throw mapped(error);
  }
  return {
    accessKeyId: identity.accessKeyId,
    secretAccessKey: identity.secretAccessKey,
    sessionToken: identity.sessionToken,
    expiresAt: identity.expiration?.getTime(),
  };
}

export function defaultChainCredentials(region: string): Promise<AwsCredentials> {
  return resolved.get(region, () => mint(region));
}
