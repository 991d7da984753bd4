/**
 * A loopback Azure managed-identity token endpoint in the App Service / Container Apps style
 * (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`): `GET ?resource=…&api-version=2019-08-01` with the
 * `x-identity-header` secret, answering `access_token`/`expires_on` as Azure does. Tokens are
 * numbered so tests can tell a renewed one from a cached one.
 */
import { sendJson, startHttpMock, type HttpMock } from './http-mock.ts';

export const IDENTITY_PATH = '/msi/token';
export const IDENTITY_HEADER = 'identity-header-secret-EXAMPLE';
export const entraToken = (n: number) => `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra-token-${n}.sig`;

export interface AzureIdentityMock extends HttpMock {
  /** Lifetime of the tokens handed out. */
  tokenSeconds: number;
  /** Tokens handed out so far. */
  issued: number;
  /** Answer 401 as for a pod whose identity has no federated credential / role assignment. */
  refuse: boolean;
}

export async function startAzureIdentityMock(): Promise<AzureIdentityMock> {
  const holder: { mock?: AzureIdentityMock } = {};
  const mock = await startHttpMock((request, res) => {
    const m = holder.mock!;
    if (request.path !== IDENTITY_PATH) return sendJson(res, 404, { error: 'not_found' });
    if (m.refuse || request.headers['x-identity-header'] !== IDENTITY_HEADER)
      return sendJson(res, 401, { statusCode: 401, message: 'Unauthorized: invalid identity header' });
    const resource = new URL(request.url, 'http://x').searchParams.get('resource');
    if (!resource) return sendJson(res, 400, { error: 'invalid_request', error_description: 'resource' });
    m.issued++;
    const expiresOn = Math.floor(Date.now() / 1000) + m.tokenSeconds;
    return sendJson(res, 200, {
      access_token: entraToken(m.issued),
      expires_on: String(expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: '00000000-0000-0000-0000-000000000001',
    });
  });
  const reset = mock.reset;
  const self: AzureIdentityMock = Object.assign(mock, {
    tokenSeconds: 3600,
    issued: 0,
    refuse: false,
    reset() {
      reset();
      self.issued = 0;
      self.refuse = false;
      self.tokenSeconds = 3600;
    },
  });
  holder.mock = self;
  return self;
}
