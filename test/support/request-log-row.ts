/** A complete request-log row (clients/contract/governance.ts) for tests: a successful, unpriced-free call. */
import type { RequestLogRow } from '../../clients/contract/governance.ts';

export function requestLogRow(id: string, overrides: Partial<RequestLogRow> = {}): RequestLogRow {
  const now = Date.now();
  return {
    id,
    clientRequestId: null,
    createdAt: now,
    completedAt: now,
    provider: 'openai',
    model: 'gpt-4o-mini',
    endpoint: '/v1/chat/completions',
    stream: false,
    status: 'success',
    statusCode: 200,
    latencyMs: 1,
    ttftMs: null,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    costMicros: null,
    unpriced: false,
    usageEstimated: false,
    priceBookVersion: null,
    virtualKeyId: null,
    teamId: null,
    customerId: null,
    providerKeyName: null,
    retries: 0,
    fallbackIndex: 0,
    routingRuleId: null,
    error: null,
    ...overrides,
  };
}
