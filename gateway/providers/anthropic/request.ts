/**
 * Canonical chat request → Anthropic Messages request body. `max_tokens` is required by the API:
 * when the client omits it Heimdall sends ANTHROPIC_DEFAULT_MAX_TOKENS (raised above a thinking
 * budget). `reasoning_effort` becomes extended thinking with a budget per effort level.
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import {
  droppedParams,
  functionTools,
  maxTokensOf,
  messagesOf,
  num,
  stopSequences,
  toolChoiceOf,
} from '../translate/openai-input.ts';
import { toAnthropicMessages } from './messages.ts';

/** @default max_tokens sent when the OpenAI request has none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** Thinking budget per `reasoning_effort`; `none` turns thinking off. */
export const THINKING_BUDGETS: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
};

/** Canonical parameters the Anthropic translation maps. */
export const ANTHROPIC_MAPPED = new Set([
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'user',
  'metadata',
]);

function toolChoice(body: JsonObject): JsonObject | undefined {
  const choice = toolChoiceOf(body.tool_choice);
  const serial = body.parallel_tool_calls === false;
  let result: JsonObject | undefined;
  if (choice?.kind === 'function') result = { type: 'tool', name: choice.name };
  else if (choice?.kind === 'required') result = { type: 'any' };
  else if (choice?.kind === 'none') result = { type: 'none' };
  else if (choice?.kind === 'auto' || serial) result = { type: 'auto' };
  if (result && serial && result.type !== 'none') result.disable_parallel_tool_use = true;
  return result;
}

function thinking(body: JsonObject): number | undefined {
  const effort = body.reasoning_effort;
  return typeof effort === 'string' ? THINKING_BUDGETS[effort] : undefined;
}

function sampling(body: JsonObject, out: JsonObject): void {
  const temperature = num(body.temperature);
  if (temperature !== undefined) out.temperature = Math.min(temperature, 1);
  const topP = num(body.top_p);
  if (topP !== undefined) out.top_p = topP;
  const topK = num(body.top_k);
  if (topK !== undefined) out.top_k = topK;
  const stop = stopSequences(body.stop);
  if (stop && stop.length > 0) out.stop_sequences = stop;
}

function userId(body: JsonObject): string | undefined {
  if (typeof body.user === 'string') return body.user;
  const metadata = body.metadata;
  return isJsonObject(metadata) && typeof metadata.user_id === 'string' ? metadata.user_id : undefined;
}

export interface EncodedAnthropic {
  payload: JsonObject;
  dropped: string[];
}

/** `withModel` false leaves `model` out (Vertex and Bedrock carry it in the path). */
export function encodeAnthropicRequest(body: JsonObject, model: string, withModel = true): EncodedAnthropic {
  const { system, messages } = toAnthropicMessages(messagesOf(body));
  const budget = thinking(body);
  let maxTokens = maxTokensOf(body) ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
  if (budget !== undefined && maxTokens <= budget) maxTokens = budget + ANTHROPIC_DEFAULT_MAX_TOKENS;
  const payload: JsonObject = withModel ? { model } : {};
  payload.messages = messages;
  payload.max_tokens = maxTokens;
  if (system.length > 0) payload.system = system;
  sampling(body, payload);
  const tools = functionTools(body.tools);
  if (tools.length > 0)
    payload.tools = tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      input_schema: tool.parameters,
      ...(tool.cacheControl !== undefined ? { cache_control: tool.cacheControl } : {}),
    }));
  const choice = toolChoice(body);
  if (choice && tools.length > 0) payload.tool_choice = choice;
  // Messages, parts and tools carry their `cache_control` (messages.ts, the tools above).
  const dropped = droppedParams(body, ANTHROPIC_MAPPED, true);
  if (budget !== undefined) {
    payload.thinking = { type: 'enabled', budget_tokens: budget };
    // Extended thinking requires the default temperature and no top_k.
    for (const name of ['temperature', 'top_k'])
      if (name in payload) {
        delete payload[name];
        dropped.push(name);
      }
  }
  const user = userId(body);
  if (user !== undefined) payload.metadata = { user_id: user };
  if (body.stream === true) payload.stream = true;
  return { payload, dropped };
}
