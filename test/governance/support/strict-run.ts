/**
 * The strict-budget exactness run: 200 concurrent requests (half streamed) against a $1.00
 * strict budget, each costing $0.01–$0.05 by mock usage (gpt-4o output at $10/M, so 1,000–5,000
 * completion tokens with `max_tokens` set to exactly that). Spread over the given gateways.
 */
import { expect } from 'vitest';
import { post, type Stack } from './stack.ts';

export const STRICT_LIMIT_MICROS = 1_000_000;

export function strictConfig(mockUrl: string): Record<string, unknown> {
  return {
    client: { enable_logging: true },
    providers: {
      openai: {
        keys: [{ name: 'k', value: 'sk-k', weight: 1, models: ['*'] }],
        network_config: { base_url: mockUrl },
      },
    },
    governance: {
      budgets: [{ id: 'strict-dollar', max_limit: 1, reset_duration: '1d', mode: 'strict' }],
      virtual_keys: [
        {
          id: 'vk-strict',
          name: 'strict',
          value: 'vk-strict-token-secret-value-0001',
          budget_id: 'strict-dollar',
        },
      ],
    },
  };
}

/** Deterministic pseudo-random completion sizes in [1000, 5000]. */
export function completionSizes(count: number, seed = 7): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return 1_000 + (x % 4_001);
  });
}

export interface StrictOutcome {
  admitted: number;
  completed: number;
  cut: number;
  refused: number;
  settledMicros: number;
  leftoverMicros: number;
  /** Refused requests that would still fit in what is left, smallest first. */
  couldStillFit: number;
}

async function one(stack: Stack, tokens: number, stream: boolean) {
  const reply = await post(
    stack.url,
    {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: tokens,
      stream,
      mock: { prompt_tokens: 0, completion_tokens: tokens },
    },
    { 'x-bf-vk': 'vk-strict-token-secret-value-0001' },
  );
  const cut = stream && reply.status === 200 && reply.text.includes('budget_exhausted_mid_stream');
  return { status: reply.status, cut, tokens, text: reply.text };
}

export async function runStrict(stacks: readonly Stack[], count = 200): Promise<StrictOutcome> {
  const sizes = completionSizes(count);
  const results = await Promise.all(
    sizes.map((tokens, i) => one(stacks[i % stacks.length]!, tokens, i % 2 === 1)),
  );
  for (const stack of stacks) await stack.settle();
  const refusedSizes = results.filter((r) => r.status === 402).map((r) => r.tokens * 10);
  const other = results.filter((r) => r.status !== 200 && r.status !== 402);
  expect(other.map((r) => `${r.status} ${r.text.slice(0, 200)}`)).toEqual([]);
  const first = stacks[0]!;
  const check = await first.service.reconcile('strict-dollar');
  expect(check.ok, JSON.stringify(check)).toBe(true);
  const settled = check.ledger.settled;
  let leftover = STRICT_LIMIT_MICROS - settled;
  let couldStillFit = 0;
  for (const cost of refusedSizes.sort((a, b) => a - b)) {
    // A refused request's worst case adds its prompt bound (18 tokens at $2.50/M = 45 µ$).
    if (cost + 45 > leftover) break;
    leftover -= cost + 45;
    couldStillFit++;
  }
  return {
    admitted: results.filter((r) => r.status === 200).length,
    completed: results.filter((r) => r.status === 200 && !r.cut).length,
    cut: results.filter((r) => r.cut).length,
    refused: refusedSizes.length,
    settledMicros: settled,
    leftoverMicros: STRICT_LIMIT_MICROS - settled,
    couldStillFit,
  };
}
