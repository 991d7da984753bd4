/** Small data sets whose aggregates are known, shared by the usage and event tests. */
import type { RequestLogInput } from '../../db/index.ts';

export const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 10);

/** 40 logs over two days: two models, every 4th an error, every 10th unpriced. */
export function smallLogs(): RequestLogInput[] {
  return Array.from({ length: 40 }, (_, i) => ({
    id: `log-${String(i).padStart(3, '0')}`,
    createdAt: T0 + (i < 20 ? 0 : DAY) + i * 60_000,
    completedAt: T0 + (i < 20 ? 0 : DAY) + i * 60_000 + 100 + i,
    provider: i % 2 === 0 ? 'openai' : 'anthropic',
    model: i % 2 === 0 ? 'gpt-4o-mini' : 'claude-3-5-sonnet',
    status: i % 4 === 3 ? 'error' : 'success',
    statusCode: i % 4 === 3 ? 500 : 200,
    latencyMs: 100 + i,
    inputTokens: 10 * (i + 1),
    outputTokens: 5 * (i + 1),
    costMicros: i % 10 === 9 ? null : 1000 * (i + 1),
    unpriced: i % 10 === 9,
    virtualKeyId: i % 3 === 0 ? 'vk-a' : 'vk-b',
    teamId: i % 3 === 0 ? 'team-a' : null,
  }));
}
