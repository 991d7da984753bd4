/**
 * Every error a client of the inference routes can see: one class, stable `type`/`code` strings,
 * and the OpenAI envelope `{"error":{"message","type","code","param"}}` with all four keys.
 */

/** Stable `error.type` values. `upstream_error` means the provider side failed, not Heimdall. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'budget_exceeded'
  // Governance refusals carry Bifrost's own type strings (issue 5).
  | 'virtual_key_required'
  | 'virtual_key_not_found'
  | 'virtual_key_blocked'
  | 'provider_blocked'
  | 'model_blocked'
  | 'rate_limited'
  | 'rate_limit_error'
  | 'not_found_error'
  | 'upstream_error'
  | 'server_error'
  | 'client_closed';

export interface GatewayErrorOptions {
  param?: string | null;
  /** The attempt may be retried on the same provider (connect errors, 429, 500, 502–504). */
  retryable?: boolean;
  /** Seconds the client (or a retry) should wait; sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** False for failures that must not move on to a fallback (client cancel, bad input). */
  fallbackAllowed?: boolean;
  /**
   * Headers the answer carrying this error gets (`x-ratelimit-*` of a rate-limit refusal): a
   * hook refuses with them instead of writing the response itself, as a Yoga resolver sets
   * `extensions.http.headers`.
   */
  headers?: Readonly<Record<string, string>>;
}

export class GatewayError extends Error {
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly fallbackAllowed: boolean;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.param = options.param ?? null;
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.fallbackAllowed = options.fallbackAllowed ?? true;
    this.headers = options.headers;
  }

  /** A copy with a different message (used to annotate the primary's error with what was tried). */
  withMessage(message: string): GatewayError {
    const copy = new GatewayError(this.status, this.type, this.code, message, {
      param: this.param,
      retryable: this.retryable,
      ...(this.retryAfterSeconds !== undefined ? { retryAfterSeconds: this.retryAfterSeconds } : {}),
      fallbackAllowed: this.fallbackAllowed,
      ...(this.headers !== undefined ? { headers: this.headers } : {}),
    });
    // An internal error keeps its cause through annotation, so it can still be logged.
    if (this.cause !== undefined) copy.cause = this.cause;
    return copy;
  }

  toJSON(): { error: { message: string; type: string; code: string; param: string | null } } {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

/** 400 for input the client must fix; `param` names the offending field. */
export function badRequest(code: string, message: string, param: string | null = null): GatewayError {
  return new GatewayError(400, 'invalid_request_error', code, message, { param, fallbackAllowed: false });
}

/** Status Heimdall records (and Nginx made customary) for a client that went away. */
export const CLIENT_CLOSED_STATUS = 499;

export function clientClosed(): GatewayError {
  return new GatewayError(
    CLIENT_CLOSED_STATUS,
    'client_closed',
    'client_closed',
    'the client closed the connection',
    {
      fallbackAllowed: false,
    },
  );
}

/** What the process log gets about an internal error's cause (the client gets none of it). */
export function causeFields(cause: unknown): { error: unknown; stack: string | undefined } {
  return { error: cause, stack: cause instanceof Error ? cause.stack : undefined };
}

/** Wraps anything thrown that is not a GatewayError: a bug, reported as 500 without internals. */
export function internalError(cause: unknown): GatewayError {
  const error = new GatewayError(500, 'server_error', 'internal_error', 'internal gateway error', {
    fallbackAllowed: false,
  });
  error.cause = cause;
  return error;
}

export function asGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : internalError(error);
}
