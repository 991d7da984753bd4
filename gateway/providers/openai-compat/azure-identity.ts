/**
 * Entra ID (Azure AD) tokens for Azure OpenAI keys without a `value`: the pod's or host's own
 * identity through @azure/identity — service-principal variables (`AZURE_CLIENT_ID` +
 * `AZURE_TENANT_ID` + `AZURE_CLIENT_SECRET`), AKS workload identity (`AZURE_FEDERATED_TOKEN_FILE`,
 * authority at `AZURE_AUTHORITY_HOST`), then managed identity (`IDENTITY_ENDPOINT` +
 * `IDENTITY_HEADER` on App Service / Container Apps, `MSI_ENDPOINT`, else instance metadata).
 * That is DefaultAzureCredential's order; `AZURE_TOKEN_CREDENTIALS=prod` (an @azure/identity
 * setting) drops its developer-tool links (Azure CLI, PowerShell, azd). The token (scope
 * `https://cognitiveservices.azure.com/.default`) is cached and renewed in the background four
 * minutes before expiry, so requests do not wait on Entra.
 */
import type { TokenCredential } from '@azure/identity';
import { GatewayError } from '../../core/errors.ts';
import { credentialLibrary } from '../credential-library.ts';
import { RefreshAhead, type Minted } from '../refresh-ahead.ts';

export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

interface Token extends Minted {
  value: string;
}

// Renewed four minutes before expiry, inside MSAL's own five-minute window: earlier, MSAL would
// hand back the token it cached instead of fetching a new one.
const tokens = new RefreshAhead<Token>(2 * 60_000, 2 * 60_000);
let credential: Promise<TokenCredential> | undefined;

// Imported when a snapshot first has a key without a value (the snapshot store), else on first
// use: most deployments never need it, and it is large to import (~125–150 ms).
export const AZURE_IDENTITY = credentialLibrary('@azure/identity', () => import('@azure/identity'));

/** Forgets the credential and cached tokens (tests; a changed environment). */
export function clearAzureTokens(): void {
  tokens.clear();
  credential = undefined;
}

function createCredential(): Promise<TokenCredential> {
  credential ??= AZURE_IDENTITY.load().then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
  return credential;
}

/** The identity source set up in the environment, named when it fails. */
function configuredSource(): string | undefined {
  const env = process.env;
  if (env.AZURE_FEDERATED_TOKEN_FILE)
    return 'workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE)';
  if (env.AZURE_CLIENT_SECRET)
    return 'the service principal (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET)';
  if (env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT) return 'managed identity (IDENTITY_ENDPOINT / MSI_ENDPOINT)';
  return undefined;
}

function mapped(error: unknown): GatewayError {
  const name = error instanceof Error ? error.name : 'Error';
  const source = configuredSource();
  // Every link was unavailable and nothing was set up: a deployment problem, not an outage.
  if (name === 'AggregateAuthenticationError' && !source) {
    return new GatewayError(
      500,
      'server_error',
      'provider_misconfigured',
      'azure: a key without a value signs in with Entra ID, and no identity was found (put an API key in value, ' +
        'or give the pod a workload identity or the host a managed identity with access to the resource)',
    );
  }
  // The chain's own message says only that it failed: the link that tried and failed says why.
  const links = (error as { errors?: unknown }).errors;
  const cause = Array.isArray(links)
    ? ((links as Error[]).find((link) => link.name !== 'CredentialUnavailableError') ?? error)
    : error;
  // The first line only: Entra's answers carry trace ids and links, never the token.
  const detail = (cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause))
    .split('\n')[0]!
    .slice(0, 300);
  return new GatewayError(
    502,
    'upstream_error',
    'azure_credentials_error',
    `azure: Entra ID token could not be obtained${source ? ` from ${source}` : ''}: ${detail}`,
    { retryable: true },
  );
}

async function mint(): Promise<Token> {
  try {
    const token = await (await createCredential()).getToken(COGNITIVE_SERVICES_SCOPE);
    if (token) return { value: token.token, expiresAt: token.expiresOnTimestamp };
  } catch (error) {
    throw mapped(error);
  }
  throw mapped(new Error('no token returned'));
}

/** A bearer token for Azure OpenAI from the ambient identity; one per process (one identity). */
export async function azureEntraToken(): Promise<string> {
  return (await tokens.get(COGNITIVE_SERVICES_SCOPE, mint)).value;
}
