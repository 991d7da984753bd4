/**
 * Bedrock Converse answers → canonical: text, reasoningContent and toolUse blocks, stop reasons
 * (guardrail and content filter → `content_filter`), usage (Bedrock's `inputTokens` excludes
 * cache reads and writes; the canonical prompt count includes them), and AWS error bodies.
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import type { UpstreamErrorDetail } from '../adapter.ts';
import {
  chatCompletion,
  type CanonicalToolCall,
  type FinishReason,
  type TokenCounts,
} from '../translate/canonical.ts';

const STOP: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function converseFinish(reason: unknown): FinishReason {
  return (typeof reason === 'string' ? STOP[reason] : undefined) ?? 'stop';
}

const count = (value: unknown): number => (typeof value === 'number' && value > 0 ? value : 0);

export function converseCounts(usage: unknown): TokenCounts {
  const u = isJsonObject(usage) ? usage : {};
  const cacheRead = count(u.cacheReadInputTokens);
  const cacheWrite = count(u.cacheWriteInputTokens);
  const counts: TokenCounts = {
    prompt: count(u.inputTokens) + cacheRead + cacheWrite,
    completion: count(u.outputTokens),
  };
  if (u.cacheReadInputTokens !== undefined || u.cacheWriteInputTokens !== undefined) {
    counts.cacheRead = cacheRead;
    counts.cacheWrite = cacheWrite;
  }
  return counts;
}

export function decodeConverse(payload: JsonObject, model: string): JsonObject {
  const output = isJsonObject(payload.output) ? payload.output : {};
  const message = isJsonObject(output.message) ? output.message : {};
  let text: string | null = null;
  let reasoning = '';
  const toolCalls: CanonicalToolCall[] = [];
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isJsonObject(block)) continue;
    if (typeof block.text === 'string') text = (text ?? '') + block.text;
    else if (isJsonObject(block.toolUse))
      toolCalls.push({
        id: String(block.toolUse.toolUseId ?? ''),
        name: String(block.toolUse.name ?? ''),
        arguments: JSON.stringify(block.toolUse.input ?? {}),
      });
    else if (isJsonObject(block.reasoningContent) && isJsonObject(block.reasoningContent.reasoningText))
      reasoning += String(block.reasoningContent.reasoningText.text ?? '');
  }
  return chatCompletion({
    id: 'chatcmpl-bedrock',
    model,
    text,
    reasoning: reasoning === '' ? undefined : reasoning,
    toolCalls,
    finishReason: converseFinish(payload.stopReason),
    usage: converseCounts(payload.usage),
  });
}

/** `{"message": "..."}` (or `Message`); the code comes from `__type` when present. */
export function parseAwsError(status: number, text: string): UpstreamErrorDetail {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 2000) || `HTTP ${status}`, code: null, param: null };
  }
  const b = isJsonObject(body) ? body : {};
  const message =
    typeof b.message === 'string' ? b.message : typeof b.Message === 'string' ? b.Message : `HTTP ${status}`;
  const type = typeof b.__type === 'string' ? (b.__type.split('#').pop() ?? null) : null;
  return { message, code: type, param: null };
}
