/**
 * Loopback fakes of the AWS credential endpoints the SDK's default chain calls inside a cluster or
 * on an instance: the EKS Pod Identity agent / ECS container endpoint
 * (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, checked against `AWS_CONTAINER_AUTHORIZATION_TOKEN`) and
 * EC2 instance metadata with IMDSv2 sessions (`AWS_EC2_METADATA_SERVICE_ENDPOINT`). Each minted
 * credential is registered with the Bedrock mock so a request signed with it is accepted there.
 */
import type { BedrockMock } from './bedrock-mock.ts';
import { sendJson, startHttpMock, type HttpMock } from './http-mock.ts';

export const POD_IDENTITY_TOKEN = 'pod-identity-authorization-token-EXAMPLE';
export const CONTAINER_PATH = '/v1/credentials';
export const IMDS_ROLE = 'heimdall-instance-role';
const IMDS_SESSION = 'imds-session-token-EXAMPLE';

export interface AwsIdentityMock extends HttpMock {
  /** Lifetime of the credentials handed out. */
  credentialSeconds: number;
  /** Credentials handed out so far (container and instance endpoints together). */
  minted: string[];
}

function credentials(mock: AwsIdentityMock, bedrock: BedrockMock, kind: 'POD' | 'EC2') {
  const id = `ASIA${mock.minted.length + 1}${kind}`;
  mock.minted.push(id);
  bedrock.secrets.set(id, `secret-${id}`);
  const expiration = new Date(Date.now() + mock.credentialSeconds * 1000).toISOString();
  return { id, secret: `secret-${id}`, token: `token-${id}`, expiration };
}

export async function startAwsIdentityMock(bedrock: BedrockMock): Promise<AwsIdentityMock> {
  const holder: { mock?: AwsIdentityMock } = {};
  const mock = await startHttpMock((request, res) => {
    const m = holder.mock!;
    if (request.path === CONTAINER_PATH) {
      if (request.headers.authorization !== POD_IDENTITY_TOKEN)
        return sendJson(res, 401, { Code: 'AccessDeniedException', Message: 'invalid authorization token' });
      const c = credentials(m, bedrock, 'POD');
      return sendJson(res, 200, {
        AccessKeyId: c.id,
        SecretAccessKey: c.secret,
        Token: c.token,
        AccountId: '123456789012',
        Expiration: c.expiration,
      });
    }
    if (request.method === 'PUT' && request.path === '/latest/api/token') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end(IMDS_SESSION);
    }
    if (request.headers['x-aws-ec2-metadata-token'] !== IMDS_SESSION) {
      res.writeHead(401);
      return void res.end();
    }
    const base = '/latest/meta-data/iam/security-credentials/';
    if (request.path === base) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end(IMDS_ROLE);
    }
    if (request.path === `${base}${IMDS_ROLE}`) {
      const c = credentials(m, bedrock, 'EC2');
      return sendJson(res, 200, {
        Code: 'Success',
        Type: 'AWS-HMAC',
        AccessKeyId: c.id,
        SecretAccessKey: c.secret,
        Token: c.token,
        Expiration: c.expiration,
        LastUpdated: new Date().toISOString(),
      });
    }
    res.writeHead(404);
    res.end();
  });
  const reset = mock.reset;
  const self: AwsIdentityMock = Object.assign(mock, {
    credentialSeconds: 3600,
    minted: [] as string[],
    reset() {
      reset();
      self.minted.length = 0;
      self.credentialSeconds = 3600;
    },
  });
  holder.mock = self;
  return self;
}
