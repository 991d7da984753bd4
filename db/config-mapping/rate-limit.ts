/** Rate-limit rows ↔ `governance.rate_limits[]`. */
import type { z } from 'zod';
import type { rateLimit } from '../config/governance.ts';
import type { RateLimitInput, RateLimitRecord } from '../repositories/rate-limits.ts';
import { compact, orNull } from './common.ts';

type RateLimitEntity = z.infer<typeof rateLimit>;

export function rateLimitToConfig(row: RateLimitRecord): RateLimitEntity {
  return compact({
    id: row.id,
    token_max_limit: row.tokenMaxLimit,
    token_reset_duration: row.tokenResetDuration,
    request_max_limit: row.requestMaxLimit,
    request_reset_duration: row.requestResetDuration,
  });
}

export function rateLimitFromConfig(entity: RateLimitEntity): RateLimitInput {
  return {
    id: entity.id,
    tokenMaxLimit: orNull(entity.token_max_limit),
    tokenResetDuration: orNull(entity.token_reset_duration),
    requestMaxLimit: orNull(entity.request_max_limit),
    requestResetDuration: orNull(entity.request_reset_duration),
  };
}
