/**
 * Providers sometimes echo the credential they refused (`Incorrect API key provided: sk-…`).
 * Upstream error text goes to the client, the request log and the process log, so every failed
 * attempt's error is masked first: the exact credentials that attempt sent, and anything shaped
 * like a well-known provider key (which may be another tenant's, quoted back by a proxy).
 */
import type { GatewayError } from '../core/errors.ts';
import type { OutgoingRequest } from './adapter.ts';

export const MASK = '***';

/**
 * Exact values shorter than this are not searched for: masking every occurrence of a 3-letter
 * test key would mangle ordinary words, and real provider keys are far longer.
 */
const MIN_SECRET_LENGTH = 8;

/** Headers whose values are credentials (the adapter's own auth header is added per attempt). */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key'];

/**
 * Key-shaped tokens, the recognisable prefix kept so the message still says which kind of key:
 * OpenAI/Anthropic `sk-`, Hugging Face `hf_`, Replicate `r8_`, Groq `gsk_`, xAI `xai-`, Google
 * `AIza…` and OAuth `ya29.`, AWS access key ids, JWTs, and a token after `Bearer`/`Basic` (one
 * with a digit, so that "Bearer token required" stays readable).
 */
const KEY_SHAPED =
  /\b(sk-|hf_|r8_|gsk_|xai-|AIza|ya29\.|AKIA|ASIA|eyJ)[\w.~+/=-]{16,}|\b(Bearer |Basic )(?=[\w.~+/=-]*\d)[\w.~+/=-]{8,}/g;

/** The values of one attempt's credentials: its key's secret and what its auth headers carry. */
export function attemptCredentials(request: OutgoingRequest, secret: string, authHeader: string): string[] {
  const found: string[] = [];
  const add = (value: string | undefined) => {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH && !found.includes(value)) found.push(value);
  };
  add(secret);
  for (const name of [authHeader, ...CREDENTIAL_HEADERS]) {
    const value = request.headers[name];
    if (value === undefined) continue;
    add(value);
    // `Bearer <token>`: the token alone is what a provider would quote back.
    const space = value.indexOf(' ');
    if (space > 0) add(value.slice(space + 1).trim());
  }
  // Longest first, so a token is not half-masked by a shorter value it contains.
  return found.sort((a, b) => b.length - a.length);
}

/** `text` with each credential and each key-shaped token replaced by a mask. */
export function maskCredentials(text: string, credentials: readonly string[]): string {
  let masked = text;
  for (const credential of credentials) {
    if (masked.includes(credential)) masked = masked.split(credential).join(MASK);
  }
  return masked.replace(
    KEY_SHAPED,
    (_match, prefix?: string, scheme?: string) => (prefix ?? scheme ?? '') + MASK,
  );
}

/** A failed attempt's error with the credentials it sent (and key-shaped tokens) masked. */
export function maskAttemptError(
  error: GatewayError,
  request: OutgoingRequest,
  secret: string,
  authHeader: string,
): GatewayError {
  const message = maskCredentials(error.message, attemptCredentials(request, secret, authHeader));
  return message === error.message ? error : error.withMessage(message);
}
