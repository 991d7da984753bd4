/**
 * OAuth access tokens for Vertex AI. With `vertex_key_config.auth_credentials` (a service-account
 * JSON, raw or base64, or an `env.VAR` holding either) Heimdall signs the JWT bearer assertion
 * itself (RS256, node:crypto) and exchanges it at the account's `token_uri`. Without it,
 * Application Default Credentials come from google-auth-library (GOOGLE_APPLICATION_CREDENTIALS,
 * gcloud, GKE Workload Identity / the metadata server at `GCE_METADATA_HOST`). Tokens are cached;
 * service-account tokens are renewed five minutes before they expire, ADC tokens in the background
 * four minutes before; concurrent requests share one exchange.
 */
import { createSign } from 'node:crypto';
import { GatewayError } from '../../core/errors.ts';
import { isJsonObject } from '../../core/types.ts';
import { postForToken } from '../../upstream/token-http.ts';
import { credentialLibrary } from '../credential-library.ts';
import { RefreshAhead } from '../refresh-ahead.ts';
import { ExpiringCache } from '../translate/expiring-cache.ts';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

interface Token {
  value: string;
  /** Epoch ms; undefined when the source did not say (then kept until restart or failure). */
  expiresAt?: number | undefined;
}

function misconfigured(message: string): GatewayError {
  return new GatewayError(500, 'server_error', 'provider_misconfigured', `vertex: ${message}`);
}

export function parseServiceAccount(raw: string): ServiceAccount {
  const text = raw.trim().startsWith('{') ? raw : Buffer.from(raw, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw misconfigured('auth_credentials is not a service-account JSON (raw or base64)');
  }
  if (
    !isJsonObject(parsed) ||
    typeof parsed.client_email !== 'string' ||
    typeof parsed.private_key !== 'string'
  )
    throw misconfigured('auth_credentials lacks client_email or private_key');
  return parsed as unknown as ServiceAccount;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The signed JWT bearer assertion (RFC 7523) for a service account. */
export function signAssertion(account: ServiceAccount, nowSeconds: number): string {
  const header = {
    alg: 'RS256',
    typ: 'JWT',
    ...(account.private_key_id ? { kid: account.private_key_id } : {}),
  };
  const claims = {
    iss: account.client_email,
    scope: CLOUD_PLATFORM_SCOPE,
    aud: account.token_uri ?? DEFAULT_TOKEN_URI,
    iat: nowSeconds,
    exp: nowSeconds + 3600,
  };
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(account.private_key);
  return `${unsigned}.${b64url(signature)}`;
}

async function exchange(account: ServiceAccount): Promise<Token> {
  const assertion = signAssertion(account, Math.floor(Date.now() / 1000));
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion,
  }).toString();
  const response = await postForToken(
    account.token_uri ?? DEFAULT_TOKEN_URI,
    body,
    { 'content-type': 'application/x-www-form-urlencoded' },
    'vertex',
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.text);
  } catch {
    parsed = undefined;
  }
  const token = isJsonObject(parsed) ? parsed : {};
  if (response.status >= 400 || typeof token.access_token !== 'string') {
    const reason =
      typeof token.error_description === 'string' ? token.error_description : `HTTP ${response.status}`;
    throw new GatewayError(
      502,
      'upstream_error',
      'gcp_credentials_error',
      `vertex: token exchange failed: ${reason}`,
      { retryable: response.status >= 500 },
    );
  }
  const lifetime = typeof token.expires_in === 'number' ? token.expires_in : 3600;
  return { value: token.access_token, expiresAt: Date.now() + lifetime * 1000 };
}

const cache = new ExpiringCache<Token>(TOKEN_REFRESH_MARGIN_MS);

/** Forgets cached tokens and the detected ADC source (tests). */
export function clearTokenCache(): void {
  cache.clear();
  adcTokens.clear();
  adc = undefined;
}

interface AdcClient {
  getAccessToken(): Promise<{ token?: string | null }>;
  credentials: { expiry_date?: number | null };
}
let adc: Promise<AdcClient> | undefined;
// Imported when a snapshot first has a key without auth_credentials (the snapshot store), else on
// first use (~30–90 ms to import).
export const GOOGLE_AUTH = credentialLibrary('google-auth-library', () => import('google-auth-library'));
// Renewed four minutes before expiry in the background, inside google-auth-library's own
// five-minute window (earlier, it would hand back the token it holds): requests do not wait.
const adcTokens = new RefreshAhead<Token>(2 * 60_000, 2 * 60_000);

const NO_ADC =
  'vertex: no Google credentials (set vertex_key_config.auth_credentials to a service-account JSON, ' +
  'or give Heimdall application default credentials: GOOGLE_APPLICATION_CREDENTIALS, GKE Workload ' +
  'Identity or a GCE service account)';

function adcFailed(error: unknown): GatewayError {
  const message = error instanceof Error ? error.message : String(error);
  // google-auth-library found no source at all: a deployment problem, not an outage.
  if (message.startsWith('Could not load the default credentials'))
    return new GatewayError(500, 'server_error', 'provider_misconfigured', NO_ADC);
  return new GatewayError(
    502,
    'upstream_error',
    'gcp_credentials_error',
    `vertex: application default credentials failed: ${message.split('\n')[0]!.slice(0, 300)}`,
    { retryable: true },
  );
}

async function mintAdc(): Promise<Token> {
  adc ??= GOOGLE_AUTH.load().then(({ GoogleAuth }) =>
    new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] }).getClient(),
  );
  let token: string | null | undefined;
  let expiry: number | null | undefined;
  try {
    const client = await adc;
    token = (await client.getAccessToken()).token;
    expiry = client.credentials.expiry_date;
  } catch (error) {
    // Detect the environment again next time (a metadata server or mounted key may appear).
    adc = undefined;
    throw adcFailed(error);
  }
  if (!token) throw adcFailed(new Error('no token returned'));
  // Without a stated expiry, ask again in a while: the library returns its token if still good.
  return { value: token, expiresAt: expiry ?? Date.now() + 15 * 60_000 };
}

function adcToken(): Promise<string> {
  return adcTokens.get('adc', mintAdc).then((token) => token.value);
}

/** An access token for `auth_credentials` (already env-resolved), or ADC when it is empty. */
export function vertexAccessToken(credentials: string | undefined): Promise<string> {
  if (!credentials) return adcToken();
  const account = parseServiceAccount(credentials);
  const id = `${account.client_email}\u0000${account.token_uri ?? DEFAULT_TOKEN_URI}`;
  return cache.get(id, () => exchange(account)).then((token) => token.value);
}
