/** Usage of canonical (OpenAI-shaped) bodies: chat/completions/embeddings and Responses. */
import type { JsonObject, Operation, Usage } from '../core/types.ts';
import { isJsonObject } from '../core/types.ts';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function cached(details: unknown, field = 'cached_tokens'): number | undefined {
  return isJsonObject(details) && typeof details[field] === 'number' ? details[field] : undefined;
}

/** Reads a `usage` object in either naming (prompt/completion or input/output tokens). */
export function usageFromObject(operation: Operation, usage: unknown): Usage | undefined {
  if (!isJsonObject(usage)) return undefined;
  const responses = operation === 'responses';
  const inputTokens = count(responses ? usage.input_tokens : usage.prompt_tokens);
  const outputTokens = count(responses ? usage.output_tokens : usage.completion_tokens);
  const total = count(usage.total_tokens);
  const result: Usage = {
    inputTokens,
    outputTokens,
    totalTokens: total > 0 ? total : inputTokens + outputTokens,
  };
  const hit = cached(responses ? usage.input_tokens_details : usage.prompt_tokens_details);
  if (hit !== undefined) result.cachedInputTokens = hit;
  // Translating adapters put cache writes next to cache reads (prompt_tokens_details).
  const written = responses ? undefined : cached(usage.prompt_tokens_details, 'cache_creation_tokens');
  if (written !== undefined) result.cacheWriteInputTokens = written;
  return result;
}

export function openAIUsage(operation: Operation, payload: JsonObject): Usage | undefined {
  return usageFromObject(operation, payload.usage);
}
