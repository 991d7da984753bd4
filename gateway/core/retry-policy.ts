/** How often one provider is tried again and how long between tries (engine/retry.ts applies it). */
export interface RetryPolicy {
  maxRetries: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** A Retry-After longer than this gives up on the provider (the fallbacks go next). */
  maxRetryAfterMs: number;
}
