/**
 * AWS STS AssumeRole for `bedrock_key_config.role_arn`, SigV4-signed with the source credentials
 * (web identity is the SDK chain's job: `aws-chain.ts`). The endpoint is the regional one, or
 * `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL` as in the AWS SDKs (tests point it at a mock).
 */
import { GatewayError } from '../../core/errors.ts';
import { postForToken } from '../../upstream/token-http.ts';
import { signV4, type AwsCredentials } from './sigv4.ts';

const VERSION = '2011-06-15';

export function stsEndpoint(region: string): string {
  return (
    process.env.AWS_ENDPOINT_URL_STS ?? process.env.AWS_ENDPOINT_URL ?? `https://sts.${region}.amazonaws.com`
  );
}

function tag(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1];
}

function failed(status: number, xml: string): GatewayError {
  const message = tag(xml, 'Message') ?? `HTTP ${status}`;
  const code = tag(xml, 'Code') ?? 'sts_error';
  return new GatewayError(502, 'upstream_error', 'aws_credentials_error', `STS ${code}: ${message}`, {
    retryable: status >= 500,
  });
}

function credentialsOf(status: number, xml: string): AwsCredentials {
  const accessKeyId = tag(xml, 'AccessKeyId');
  const secretAccessKey = tag(xml, 'SecretAccessKey');
  if (status >= 400 || !accessKeyId || !secretAccessKey) throw failed(status, xml);
  const expiration = tag(xml, 'Expiration');
  return {
    accessKeyId,
    secretAccessKey,
    sessionToken: tag(xml, 'SessionToken'),
    expiresAt: expiration ? Date.parse(expiration) : undefined,
  };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

export interface AssumeRoleInput {
  region: string;
  roleArn: string;
  sessionName: string;
  externalId?: string | undefined;
  source: AwsCredentials;
}

export async function assumeRole(input: AssumeRoleInput): Promise<AwsCredentials> {
  const params = new URLSearchParams({
    Action: 'AssumeRole',
    Version: VERSION,
    RoleArn: input.roleArn,
    RoleSessionName: input.sessionName,
    DurationSeconds: '3600',
  });
  if (input.externalId) params.set('ExternalId', input.externalId);
  const body = params.toString();
  const endpoint = new URL(stsEndpoint(input.region));
  const signed = await signV4({
    method: 'POST',
    origin: endpoint.origin,
    path: endpoint.pathname,
    headers: { ...FORM },
    body,
    region: input.region,
    service: 'sts',
    credentials: input.source,
  });
  const response = await postForToken(endpoint.href, body, { ...FORM, ...signed }, 'bedrock');
  return credentialsOf(response.status, response.text);
}
