/**
 * OAuth access tokens for Vertex AI. With `vertex_key_config.auth_credentials` (a service-account
 * JSON, raw or base64, or an `env.VAR` holding either) Heimdall signs the JWT bearer assertion
 * itself (RS256, node:crypto) and exchanges it at the account's `token_uri`. Without it,
 * Application Default Credentials come from google-auth-library (GOOGLE_APPLICATION_CREDENTIALS,
 * gcloud, GKE Workload Identity / the metadata server). Tokens are cached and renewed five
 * minutes before they expire; concurrent requests share one exchange.
 */
import { createSign } from 'node:crypto';
import { GatewayError } from '../../errors.ts';
import { isJsonObject } from '../../types.ts';
import { postForToken } from '../../upstream/token-http.ts';
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
  expiresAt: number;
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

/** Forgets cached tokens (tests). */
export function clearTokenCache(): void {
  cache.clear();
}

type AdcClient = { getAccessToken(): Promise<string | null | undefined> };
let adc: Promise<AdcClient> | undefined;

async function adcToken(): Promise<string> {
  adc ??= import('google-auth-library').then(({ GoogleAuth }) => {
    const auth = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
    return { getAccessToken: () => auth.getAccessToken() };
  });
  try {
    const token = await (await adc).getAccessToken();
    if (token) return token;
  } catch (error) {
    adc = undefined;
    throw new GatewayError(
      502,
      'upstream_error',
      'gcp_credentials_error',
      `vertex: application default credentials failed: ${(error as Error).message}`,
    );
  }
  throw new GatewayError(
    502,
    'upstream_error',
    'gcp_credentials_error',
    'vertex: application default credentials returned no token',
  );
}

/** An access token for `auth_credentials` (already env-resolved), or ADC when it is empty. */
export function vertexAccessToken(credentials: string | undefined): Promise<string> {
  if (!credentials) return adcToken();
  const account = parseServiceAccount(credentials);
  const id = `${account.client_email}\u0000${account.token_uri ?? DEFAULT_TOKEN_URI}`;
  return cache.get(id, () => exchange(account)).then((token) => token.value);
}
