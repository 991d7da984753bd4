/**
 * Live counters as the control plane's counter store holds them (api/counters/), read by the
 * schema's budget and rate-limit fields when the store runs ahead of the database rows
 * (in-memory write-behind on SQLite, Redis). Defined once here because the store and the schema
 * are different rooms.
 */

/** A budget's spend (micro-dollars) settled in the current window and reserved by leases. */
export interface BudgetCounters {
  used: number;
  reserved: number;
  windowStart: number;
}

/** One window of a rate limit: units used (leased units count as used) since `windowStart`. */
export interface RateWindowCounters {
  used: number;
  windowStart: number;
}

/** A rate limit's live request and token windows (either may be unknown to the store). */
export interface RateLimitCounters {
  requests?: RateWindowCounters;
  tokens?: RateWindowCounters;
}
