/**
 * Independent implementations of AWS wire details for the Bedrock mock: SigV4 verification
 * (canonical request, string to sign, signing key — node:crypto only, not the signer under test)
 * and the event-stream binary frame encoder (prelude, string headers, CRC32 from node:zlib).
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { crc32 } from 'node:zlib';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface SignedRequest {
  method: string;
  /** Path with query, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Verdict {
  ok: boolean;
  accessKeyId?: string;
  service?: string;
  region?: string;
  reason?: string;
}

/** Canonical URI: each (already encoded) segment encoded once more (all services but S3). */
export function canonicalUri(path: string, doubleEncode = true): string {
  if (!doubleEncode) return path || '/';
  return (
    path
      .split('/')
      .map((segment) => rfc3986(segment))
      .join('/') || '/'
  );
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => pair.split('=').map((part) => rfc3986(decodeURIComponent(part ?? ''))))
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0))
    .map(([k, v]) => `${k}=${v ?? ''}`)
    .join('&');
}

export function signature(
  request: SignedRequest,
  secret: string,
  scope: { date: string; region: string; service: string },
  signedHeaders: string[],
  doubleEncode = true,
): string {
  const [path, query = ''] = request.url.split('?');
  const headers = signedHeaders
    .map(
      (name) =>
        `${name}:${String(request.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonical = [
    request.method,
    canonicalUri(path!, doubleEncode),
    canonicalQuery(query),
    headers,
    signedHeaders.join(';'),
    sha256(request.body),
  ].join('\n');
  const amzDate = String(request.headers['x-amz-date']);
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secret}`, scope.date), scope.region), scope.service),
    'aws4_request',
  );
  return createHmac('sha256', key).update(toSign).digest('hex');
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Checks the request's SigV4 Authorization against the known secrets. */
export function verifySigV4(request: SignedRequest, secrets: ReadonlyMap<string, string>): Verdict {
  const match = AUTH.exec(String(request.headers.authorization ?? ''));
  if (!match) return { ok: false, reason: 'missing or malformed SigV4 Authorization header' };
  const [, accessKeyId, date, region, service, signed, given] = match;
  const secret = secrets.get(accessKeyId!);
  if (secret === undefined) return { ok: false, reason: `unknown access key ${accessKeyId}` };
  const names = signed!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date'))
    return { ok: false, reason: 'host and x-amz-date must be signed' };
  const expected = signature(request, secret, { date: date!, region: region!, service: service! }, names);
  if (expected !== given)
    return {
      ok: false,
      reason: 'The request signature we calculated does not match the signature you provided.',
    };
  return { ok: true, accessKeyId: accessKeyId!, service: service!, region: region! };
}

/** One event-stream frame with string headers. */
export function eventFrame(headers: Record<string, string>, payload: unknown): Buffer {
  const headerBytes = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const nameBytes = Buffer.from(name, 'utf8');
      const valueBytes = Buffer.from(value, 'utf8');
      const head = Buffer.alloc(1 + nameBytes.length + 3);
      head.writeUInt8(nameBytes.length, 0);
      nameBytes.copy(head, 1);
      head.writeUInt8(7, 1 + nameBytes.length);
      head.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
      return Buffer.concat([head, valueBytes]);
    }),
  );
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  const total = 12 + headerBytes.length + body.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const withoutCrc = Buffer.concat([prelude, headerBytes, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(withoutCrc), 0);
  return Buffer.concat([withoutCrc, crc]);
}

export function eventMessage(eventType: string, payload: unknown): Buffer {
  return eventFrame(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    payload,
  );
}

export function exceptionMessage(exceptionType: string, message: string): Buffer {
  return eventFrame(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    { message },
  );
}
