/**
 * Canonical chat request → Cohere v2 `/v2/chat` body. Messages keep OpenAI's roles (system,
 * user, assistant with `tool_calls`, tool with `tool_call_id`); images go as `image_url` parts;
 * sampling maps `top_p`→`p`, `top_k`→`k`, `stop`→`stop_sequences`; `tool_choice` only knows
 * REQUIRED and NONE.
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import {
  contentParts,
  contentText,
  droppedParams,
  functionTools,
  maxTokensOf,
  messagesOf,
  num,
  stopSequences,
  toolCallsOf,
  toolChoiceOf,
} from '../translate/openai-input.ts';

const MAPPED = new Set([
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'response_format',
  'tools',
  'tool_choice',
]);

function userContent(content: unknown): unknown {
  if (typeof content === 'string') return content;
  return contentParts(content).map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image_url', image_url: { url: part.url } },
  );
}

function message(source: JsonObject): JsonObject {
  const role = source.role === 'developer' ? 'system' : source.role;
  if (role === 'assistant') {
    const out: JsonObject = { role };
    const text = contentText(source.content);
    if (text !== '') out.content = text;
    const calls = toolCallsOf(source);
    if (calls.length > 0)
      out.tool_calls = calls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      }));
    return out;
  }
  if (role === 'tool')
    return { role, tool_call_id: source.tool_call_id, content: contentText(source.content) };
  if (role === 'system') return { role, content: contentText(source.content) };
  return { role: 'user', content: userContent(source.content) };
}

function sampling(body: JsonObject, payload: JsonObject): void {
  const pairs: Array<[string, string]> = [
    ['temperature', 'temperature'],
    ['top_p', 'p'],
    ['top_k', 'k'],
    ['seed', 'seed'],
    ['frequency_penalty', 'frequency_penalty'],
    ['presence_penalty', 'presence_penalty'],
  ];
  for (const [from, to] of pairs) {
    const value = num(body[from]);
    if (value !== undefined) payload[to] = value;
  }
  const max = maxTokensOf(body);
  if (max !== undefined) payload.max_tokens = max;
  const stop = stopSequences(body.stop);
  if (stop && stop.length > 0) payload.stop_sequences = stop;
}

export function encodeCohereChat(
  body: JsonObject,
  model: string,
): { payload: JsonObject; dropped: string[] } {
  const payload: JsonObject = { model, messages: messagesOf(body).map(message) };
  sampling(body, payload);
  const dropped = droppedParams(body, MAPPED);
  const format = isJsonObject(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object') payload.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema' && isJsonObject(format.json_schema))
    payload.response_format = { type: 'json_object', json_schema: format.json_schema.schema };
  const tools = functionTools(body.tools);
  if (tools.length > 0)
    payload.tools = tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
  const choice = toolChoiceOf(body.tool_choice);
  if (choice?.kind === 'required') payload.tool_choice = 'REQUIRED';
  else if (choice?.kind === 'none') payload.tool_choice = 'NONE';
  else if (choice?.kind === 'function') dropped.push('tool_choice');
  if (body.stream === true) payload.stream = true;
  return { payload, dropped: dropped.sort() };
}

export function encodeCohereEmbed(
  body: JsonObject,
  model: string,
  inputs: string[],
): { payload: JsonObject; dropped: string[] } {
  const payload: JsonObject = {
    model,
    texts: inputs,
    input_type: typeof body.input_type === 'string' ? body.input_type : 'search_document',
    embedding_types: ['float'],
  };
  if (typeof body.dimensions === 'number') payload.output_dimension = body.dimensions;
  return { payload, dropped: droppedParams(body, new Set(['dimensions', 'encoding_format', 'input_type'])) };
}
