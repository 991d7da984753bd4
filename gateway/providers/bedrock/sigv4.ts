/** SigV4 signing of an outgoing request with @smithy/signature-v4 (SHA-256 from @aws-crypto). */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  /** Epoch ms after which the credentials must be renewed; undefined for long-lived keys. */
  expiresAt?: number | undefined;
}

export interface SignInput {
  method: 'POST' | 'GET';
  /** `https://host[:port]` */
  origin: string;
  /** Path as sent (already URI-encoded); query parameters in `query`. */
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  credentials: AwsCredentials;
  /** Fixed signing time (tests). */
  signingDate?: Date;
  /** Add (and sign) `x-amz-content-sha256`. @default true */
  applyChecksum?: boolean;
}

/** Returns the headers to add: authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256. */
export async function signV4(input: SignInput): Promise<Record<string, string>> {
  const url = new URL(input.origin);
  const signer = new SignatureV4({
    service: input.service,
    region: input.region,
    credentials: {
      accessKeyId: input.credentials.accessKeyId,
      secretAccessKey: input.credentials.secretAccessKey,
      ...(input.credentials.sessionToken ? { sessionToken: input.credentials.sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: input.applyChecksum ?? true,
  });
  const request = new HttpRequest({
    method: input.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: input.path,
    ...(input.query ? { query: input.query } : {}),
    headers: { ...input.headers, host: url.host },
    body: input.body,
  });
  const signed = await signer.sign(request, input.signingDate ? { signingDate: input.signingDate } : {});
  const added: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host') continue;
    if (input.headers[lower] !== value) added[lower] = value;
  }
  return added;
}
