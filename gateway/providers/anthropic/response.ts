/**
 * Anthropic Messages answers → canonical: content blocks to text, reasoning and tool calls, stop
 * reasons to finish reasons, usage with cache reads and writes (Anthropic's `input_tokens`
 * excludes cached tokens; the canonical `prompt_tokens` includes them).
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import type { UpstreamErrorDetail } from '../adapter.ts';
import { chatCompletion, type FinishReason, type TokenCounts } from '../translate/canonical.ts';

const STOP_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonOf(stopReason: unknown): FinishReason {
  return (typeof stopReason === 'string' ? STOP_REASONS[stopReason] : undefined) ?? 'stop';
}

const count = (value: unknown): number => (typeof value === 'number' && value > 0 ? value : 0);

/** Anthropic usage → token counts; undefined fields of `previous` are kept (stream deltas). */
export function anthropicCounts(usage: unknown, previous?: TokenCounts): TokenCounts {
  const u = isJsonObject(usage) ? usage : {};
  const known = (field: string) => typeof u[field] === 'number';
  const cacheRead = known('cache_read_input_tokens')
    ? count(u.cache_read_input_tokens)
    : (previous?.cacheRead ?? 0);
  const cacheWrite = known('cache_creation_input_tokens')
    ? count(u.cache_creation_input_tokens)
    : (previous?.cacheWrite ?? 0);
  const uncached = known('input_tokens')
    ? count(u.input_tokens)
    : previous
      ? previous.prompt - (previous.cacheRead ?? 0) - (previous.cacheWrite ?? 0)
      : 0;
  return {
    prompt: uncached + cacheRead + cacheWrite,
    completion: known('output_tokens') ? count(u.output_tokens) : (previous?.completion ?? 0),
    cacheRead,
    cacheWrite,
  };
}

/** Text, reasoning and tool calls of Anthropic content blocks. */
function readBlocks(content: unknown) {
  let text: string | null = null;
  let reasoning = '';
  const toolCalls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const block of Array.isArray(content) ? content : []) {
    if (!isJsonObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text = (text ?? '') + block.text;
    else if (block.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
    else if (block.type === 'tool_use')
      toolCalls.push({
        id: String(block.id ?? ''),
        name: String(block.name ?? ''),
        arguments: JSON.stringify(block.input ?? {}),
      });
  }
  return { text, reasoning, toolCalls };
}

/** Property under which the decoded body keeps the provider's own message (never serialised). */
export const ANTHROPIC_RAW = Symbol('heimdall.anthropic.raw');

export function decodeAnthropicMessage(payload: JsonObject, keepRaw: boolean): JsonObject {
  const { text, reasoning, toolCalls } = readBlocks(payload.content);
  const canonical = chatCompletion({
    id: typeof payload.id === 'string' ? payload.id : 'msg',
    model: typeof payload.model === 'string' ? payload.model : '',
    text,
    reasoning: reasoning === '' ? undefined : reasoning,
    toolCalls,
    finishReason: finishReasonOf(payload.stop_reason),
    usage: anthropicCounts(payload.usage),
  });
  if (keepRaw) Object.defineProperty(canonical, ANTHROPIC_RAW, { value: payload, enumerable: false });
  return canonical;
}

export function rawAnthropicOf(canonical: JsonObject): JsonObject | undefined {
  const raw = (canonical as Record<symbol, unknown>)[ANTHROPIC_RAW];
  return isJsonObject(raw) ? raw : undefined;
}

/** `{"type":"error","error":{"type","message"}}` → message, code = Anthropic's error type. */
export function parseAnthropicError(status: number, text: string): UpstreamErrorDetail {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 2000) || `HTTP ${status}`, code: null, param: null };
  }
  const inner = isJsonObject(body) && isJsonObject(body.error) ? body.error : undefined;
  const message = inner && typeof inner.message === 'string' ? inner.message : `HTTP ${status}`;
  const code = inner && typeof inner.type === 'string' ? inner.type : null;
  return { message, code, param: null };
}
