/**
 * Canonical answers → Anthropic's format: a `chat.completion` becomes a `message` (text,
 * thinking and `tool_use` blocks, stop reason, usage with cache reads/writes split out of the
 * prompt), and errors use Anthropic's envelope. An answer Anthropic itself gave is sent verbatim.
 */
import type { GatewayError } from '../../core/errors.ts';
import { rawAnthropicOf } from '../../providers/anthropic/response.ts';
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';

const STOP_REASONS: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function stopReasonOf(finish: unknown): string {
  return (typeof finish === 'string' ? STOP_REASONS[finish] : undefined) ?? 'end_turn';
}

const count = (value: unknown): number => (typeof value === 'number' && value > 0 ? value : 0);

/** Canonical usage → Anthropic usage (`input_tokens` excludes cache reads and writes). */
export function anthropicUsage(usage: unknown): JsonObject {
  const u = isJsonObject(usage) ? usage : {};
  const details = isJsonObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const read = count(details.cached_tokens);
  const write = count(details.cache_creation_tokens);
  return {
    input_tokens: Math.max(0, count(u.prompt_tokens) - read - write),
    output_tokens: count(u.completion_tokens),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  };
}

function parseInput(args: unknown): unknown {
  if (typeof args !== 'string' || args === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    return {};
  }
}

function contentBlocks(message: JsonObject): JsonObject[] {
  const content: JsonObject[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '')
    content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
  if (typeof message.content === 'string' && message.content !== '')
    content.push({ type: 'text', text: message.content });
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
    if (!isJsonObject(call) || !isJsonObject(call.function)) continue;
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseInput(call.function.arguments),
    });
  }
  return content;
}

export function messageFromCanonical(canonical: JsonObject): JsonObject {
  const raw = rawAnthropicOf(canonical);
  if (raw) return raw;
  const choice =
    Array.isArray(canonical.choices) && isJsonObject(canonical.choices[0]) ? canonical.choices[0] : {};
  const message = isJsonObject(choice.message) ? choice.message : {};
  return {
    id: typeof canonical.id === 'string' ? canonical.id : 'msg',
    type: 'message',
    role: 'assistant',
    model: canonical.model,
    content: contentBlocks(message),
    stop_reason: stopReasonOf(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(canonical.usage),
  };
}

const ANTHROPIC_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'timeout_error',
  'overloaded_error',
]);

const BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Anthropic's error `type` for a gateway error. */
export function anthropicErrorType(error: GatewayError): string {
  if (ANTHROPIC_TYPES.has(error.code)) return error.code;
  if (ANTHROPIC_TYPES.has(error.type)) return error.type;
  return BY_STATUS[error.status] ?? 'api_error';
}

export function anthropicErrorBody(error: GatewayError): JsonObject {
  return { type: 'error', error: { type: anthropicErrorType(error), message: error.message } };
}
