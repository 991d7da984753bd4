/**
 * A loopback Vertex AI: the OAuth token endpoint (verifies the RS256 JWT bearer assertion with
 * the test's public key and its claims), the GCE metadata server (for ADC), Gemini publisher
 * paths (served by the Gemini mock's handler) and Anthropic publisher paths (`rawPredict`,
 * `streamRawPredict`: Anthropic bodies without `model`, with `anthropic_version`). Every model
 * call must carry the most recently issued access token.
 */
import { verify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { anthropicError, anthropicMessage, anthropicStreamEvents, wantsTool } from './anthropic-mock.ts';
import { handleGemini } from './gemini-mock.ts';
import { sendJson, sendSse, startHttpMock, type HttpMock, type Recorded } from './http-mock.ts';

export interface VertexMock extends HttpMock {
  /** The service account's public key (PEM) the assertion must verify against. */
  publicKey: string;
  clientEmail: string;
  tokenCalls: Array<Record<string, unknown>>;
  metadataCalls: number;
  /** `expires_in` of issued tokens. */
  tokenSeconds: number;
  issued: Set<string>;
  truncateAfter: number | undefined;
  /** Metadata-server token answers fail with this status (an unbound GKE service account). */
  metadataStatus: number | undefined;
}

function tokenEndpoint(mock: VertexMock, request: Recorded, res: ServerResponse): void {
  const params = new URLSearchParams(request.raw);
  const fail = (error: string) => sendJson(res, 400, { error: 'invalid_grant', error_description: error });
  if (params.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
    return fail('unsupported grant_type');
  const [header, claims, signature] = (params.get('assertion') ?? '').split('.');
  if (!header || !claims || !signature) return fail('malformed assertion');
  const ok = verify(
    'RSA-SHA256',
    Buffer.from(`${header}.${claims}`),
    mock.publicKey,
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) return fail('Invalid JWT Signature.');
  const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
  const now = Date.now() / 1000;
  if (decoded.iss !== mock.clientEmail) return fail('wrong issuer');
  if (decoded.aud !== `${mock.url}/token`) return fail('wrong audience');
  if (decoded.scope !== 'https://www.googleapis.com/auth/cloud-platform') return fail('wrong scope');
  if (
    typeof decoded.exp !== 'number' ||
    typeof decoded.iat !== 'number' ||
    decoded.exp - decoded.iat > 3600 ||
    Math.abs(decoded.iat - now) > 300
  )
    return fail('bad lifetime');
  mock.tokenCalls.push({
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    claims: decoded,
  });
  const token = `ya29.sa-token-${mock.tokenCalls.length}`;
  mock.issued.add(token);
  sendJson(res, 200, { access_token: token, expires_in: mock.tokenSeconds, token_type: 'Bearer' });
}

function metadata(mock: VertexMock, request: Recorded, res: ServerResponse): void {
  if (request.headers['metadata-flavor'] !== 'Google')
    return sendJson(res, 403, { error: 'missing Metadata-Flavor' });
  const head = { 'metadata-flavor': 'Google' };
  if (request.path.endsWith('/service-accounts/default/token')) {
    if (mock.metadataStatus !== undefined) {
      res.writeHead(mock.metadataStatus, { 'content-type': 'text/plain', ...head });
      return void res.end('Unable to generate access token; IAM returned 403 Forbidden: Permission denied');
    }
    mock.metadataCalls++;
    const token = `ya29.adc-token-${mock.metadataCalls}`;
    mock.issued.add(token);
    const expiresIn = mock.tokenSeconds - 1;
    return sendJson(res, 200, { access_token: token, expires_in: expiresIn, token_type: 'Bearer' }, head);
  }
  res.writeHead(200, { 'content-type': 'text/plain', ...head });
  res.end(request.path.endsWith('/project/project-id') ? 'adc-project' : '');
}

function rawPredict(request: Recorded, res: ServerResponse): void {
  const body = request.body;
  const model = decodeURIComponent(/models\/([^:]+):/.exec(request.path)?.[1] ?? '');
  if (body.anthropic_version !== 'vertex-2023-10-16')
    return sendJson(
      res,
      400,
      anthropicError('invalid_request_error', 'anthropic_version: vertex-2023-10-16 is required'),
    );
  if (body.model !== undefined)
    return sendJson(
      res,
      400,
      anthropicError('invalid_request_error', 'model: Extra inputs are not permitted'),
    );
  if (typeof body.max_tokens !== 'number' || !Array.isArray(body.messages))
    return sendJson(
      res,
      400,
      anthropicError('invalid_request_error', 'max_tokens and messages are required'),
    );
  const tool = wantsTool(body);
  if (!request.path.endsWith(':streamRawPredict'))
    return sendJson(res, 200, anthropicMessage(model, tool, {}));
  sendSse(res, anthropicStreamEvents(model, tool, {}));
}

export async function startVertexMock(publicKey: string, clientEmail: string): Promise<VertexMock> {
  const holder: { mock?: VertexMock } = {};
  const mock = await startHttpMock((request, res) => {
    const m = holder.mock!;
    if (request.path === '/token') return tokenEndpoint(m, request, res);
    if (request.path.startsWith('/computeMetadata/')) return metadata(m, request, res);
    const bearer = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!m.issued.has(bearer))
      return sendJson(res, 401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          status: 'UNAUTHENTICATED',
        },
      });
    if (request.path.includes('/publishers/anthropic/')) return rawPredict(request, res);
    handleGemini(request, res, m);
  });
  const reset = mock.reset;
  const self: VertexMock = Object.assign(mock, {
    publicKey,
    clientEmail,
    tokenCalls: [] as Array<Record<string, unknown>>,
    metadataCalls: 0,
    tokenSeconds: 3600,
    issued: new Set<string>(),
    truncateAfter: undefined as number | undefined,
    metadataStatus: undefined as number | undefined,
    reset() {
      reset();
      self.metadataStatus = undefined;
      self.tokenCalls.length = 0;
      self.tokenSeconds = 3600;
    },
  });
  holder.mock = self;
  return self;
}
