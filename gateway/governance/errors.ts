/**
 * Governance refusals: 402 budget_exceeded (and its unpriced_model case) and 429 rate_limited
 * with the rate-limit headers.
 */
import { GatewayError } from '../core/errors.ts';
import type { MeterAccount } from './accounts.ts';
import type { LimitLevel } from './limits.ts';
import { REQUEST_WIDE } from './limits.ts';

export function budgetExceeded(id: string, level: LimitLevel, detail = 'budget exceeded'): GatewayError {
  return new GatewayError(402, 'budget_exceeded', 'budget_exceeded', `${detail} (${level} budget "${id}")`, {
    fallbackAllowed: !REQUEST_WIDE.has(level),
  });
}

/**
 * A budget that must bound cost (strict, or any under `unpriced_model_policy: deny`) cannot admit
 * a model without a price. Another target may have one, so fallbacks are tried.
 */
export function unpricedModel(provider: string, model: string, id: string, level: LimitLevel): GatewayError {
  return new GatewayError(
    402,
    'budget_exceeded',
    'unpriced_model',
    `model "${provider}/${model}" has no price, so the ${level} budget "${id}" cannot bound its cost; ` +
      `price it with the GraphQL mutation upsertPriceEntry (provider "${provider}", model "${model}"), ` +
      `or set client.unpriced_fallback_price_by_provider.${provider} or client.unpriced_fallback_price ` +
      `(input_per_mtok, output_per_mtok in USD) in the config`,
  );
}

/** A 429 carrying its `x-ratelimit-*` headers, which the answer gets from the error. */
export function rateLimited(account: MeterAccount, level: LimitLevel, now: number): GatewayError {
  const info = account.info;
  const resetSeconds = info ? Math.max(1, Math.ceil((info.windowEnd - now) / 1000)) : 1;
  const what = account.kind === 'requests' ? 'request' : 'token';
  const remaining = info ? Math.max(0, Math.floor(info.limit - info.used + account.free)) : 0;
  return new GatewayError(
    429,
    'rate_limited',
    'rate_limited',
    `${what} rate limit reached (${level} rate limit "${account.id}")`,
    {
      retryAfterSeconds: resetSeconds,
      fallbackAllowed: !REQUEST_WIDE.has(level),
      headers: {
        'x-ratelimit-limit': String(account.limit),
        'x-ratelimit-remaining': String(remaining),
        'x-ratelimit-reset': String(resetSeconds),
      },
    },
  );
}

export function governanceUnavailable(cause: unknown): GatewayError {
  const error = new GatewayError(
    503,
    'server_error',
    'governance_unavailable',
    'budgets and rate limits could not be checked; try again',
    { retryAfterSeconds: 1, fallbackAllowed: false },
  );
  error.cause = cause;
  return error;
}
