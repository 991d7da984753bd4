/**
 * The one table from transport failures (undici error codes, socket errno, HTTP parser codes)
 * to gateway errors. Connect failures and broken responses are 502, timeouts 504; `retryable`
 * marks what the retry loop may try again on the same provider.
 */
import { clientClosed, GatewayError } from '../core/errors.ts';

interface Mapping {
  status: number;
  code: string;
  message: string;
  retryable: boolean;
}

const unreachable: Mapping = {
  status: 502,
  code: 'upstream_unreachable',
  message: 'could not connect to the provider',
  retryable: true,
};
const reset: Mapping = {
  status: 502,
  code: 'upstream_connection_reset',
  message: 'the provider closed the connection',
  retryable: true,
};
const invalid: Mapping = {
  status: 502,
  code: 'upstream_invalid_response',
  message: 'the provider sent an invalid HTTP response',
  retryable: false,
};
const tls: Mapping = {
  status: 502,
  code: 'upstream_tls_error',
  message: 'TLS handshake with the provider failed',
  retryable: false,
};

const TABLE: Readonly<Record<string, Mapping>> = {
  UND_ERR_CONNECT_TIMEOUT: {
    status: 504,
    code: 'upstream_connect_timeout',
    message: 'timed out connecting to the provider',
    retryable: true,
  },
  UND_ERR_HEADERS_TIMEOUT: {
    status: 504,
    code: 'upstream_timeout',
    message: 'the provider did not answer within the request timeout',
    retryable: false,
  },
  UND_ERR_BODY_TIMEOUT: {
    status: 504,
    code: 'upstream_timeout',
    message: 'the provider stopped sending data (idle timeout)',
    retryable: false,
  },
  ETIMEDOUT: {
    status: 504,
    code: 'upstream_connect_timeout',
    message: 'timed out connecting to the provider',
    retryable: true,
  },
  ECONNREFUSED: unreachable,
  ENOTFOUND: unreachable,
  EAI_AGAIN: unreachable,
  EHOSTUNREACH: unreachable,
  ENETUNREACH: unreachable,
  UND_ERR_SOCKET: reset,
  ECONNRESET: reset,
  EPIPE: reset,
  UND_ERR_CLOSED: {
    status: 502,
    code: 'upstream_unavailable',
    message: 'the connection pool to the provider was closed',
    retryable: true,
  },
  UND_ERR_DESTROYED: {
    status: 502,
    code: 'upstream_unavailable',
    message: 'the connection pool to the provider was closed',
    retryable: true,
  },
  UND_ERR_HEADERS_OVERFLOW: invalid,
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: invalid,
  UND_ERR_RES_EXCEEDED_MAX_SIZE: invalid,
  UND_ERR_PRX_TLS: {
    status: 502,
    code: 'upstream_proxy_error',
    message: 'could not connect through the configured proxy',
    retryable: true,
  },
};

const fallback: Mapping = {
  status: 502,
  code: 'upstream_error',
  message: 'the request to the provider failed',
  retryable: false,
};

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as { code?: unknown; errors?: unknown; cause?: unknown; name?: unknown };
  if (typeof candidate.code === 'string') return candidate.code;
  if (candidate.name === 'AbortError') return 'UND_ERR_ABORTED';
  if (Array.isArray(candidate.errors) && candidate.errors.length > 0) return codeOf(candidate.errors[0]);
  return candidate.cause !== undefined ? codeOf(candidate.cause) : undefined;
}

function lookup(code: string | undefined): Mapping {
  if (code === undefined) return fallback;
  const direct = TABLE[code];
  if (direct) return direct;
  if (code.startsWith('HPE_')) return invalid;
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT')) return tls;
  return fallback;
}

/** Maps a failure of the transport to the client-visible error. `provider` goes into the message. */
export function mapTransportError(error: unknown, provider: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = codeOf(error);
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return clientClosed();
  const mapping = lookup(code);
  const detail = code ? ` (${code})` : '';
  const result = new GatewayError(
    mapping.status,
    'upstream_error',
    mapping.code,
    `${provider}: ${mapping.message}${detail}`,
    {
      retryable: mapping.retryable,
    },
  );
  result.cause = error;
  return result;
}
