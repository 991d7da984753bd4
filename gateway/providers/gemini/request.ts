/**
 * Canonical chat request → Gemini `generateContent` body (AI Studio and Vertex share it):
 * `contents` of user/model turns with text, inlineData (base64 images), fileData (image URLs),
 * functionCall and functionResponse parts; `systemInstruction`; `generationConfig` (sampling,
 * stop sequences, max tokens, JSON output, thinking budget); `tools` and `toolConfig`.
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
  parseArguments,
  stopSequences,
  toolCallsOf,
  toolChoiceOf,
  toolNames,
  type ContentPart,
} from '../translate/openai-input.ts';

export const GEMINI_MAPPED = new Set([
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'response_format',
  'tools',
  'tool_choice',
  'reasoning_effort',
]);

/** Thinking budget per `reasoning_effort` (`none` turns thinking off). */
const THINKING_BUDGETS: Readonly<Record<string, number>> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
};

function imagePart(part: Extract<ContentPart, { type: 'image' }>): JsonObject {
  if (part.base64 !== undefined) return { inlineData: { mimeType: part.mediaType, data: part.base64 } };
  const extension = /\.([a-z0-9]+)(?:\?|$)/i.exec(part.url)?.[1]?.toLowerCase() ?? '';
  return { fileData: { mimeType: IMAGE_TYPES[extension] ?? 'image/jpeg', fileUri: part.url } };
}

function parts(content: unknown): JsonObject[] {
  return contentParts(content).map((part) => (part.type === 'text' ? { text: part.text } : imagePart(part)));
}

function responseValue(content: unknown): JsonObject {
  const text = contentText(content);
  try {
    const parsed: unknown = JSON.parse(text);
    if (isJsonObject(parsed)) return parsed;
  } catch {
    // plain text result
  }
  return { content: text };
}

interface Turn {
  role: 'user' | 'model';
  parts: JsonObject[];
}

function push(turns: Turn[], role: Turn['role'], content: JsonObject[]): void {
  if (content.length === 0) return;
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.parts.push(...content);
  else turns.push({ role, parts: content });
}

export function geminiContents(messages: readonly JsonObject[]): { contents: Turn[]; system: JsonObject[] } {
  const names = toolNames(messages);
  const system: JsonObject[] = [];
  const contents: Turn[] = [];
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') system.push(...parts(message.content));
    else if (message.role === 'assistant') {
      const calls = toolCallsOf(message).map((call) => ({
        functionCall: { name: call.name, args: parseArguments(call.arguments) },
      }));
      push(contents, 'model', [...parts(message.content), ...calls]);
    } else if (message.role === 'tool') {
      const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : '';
      const name = names.get(id) ?? (typeof message.name === 'string' ? message.name : id);
      push(contents, 'user', [{ functionResponse: { name, response: responseValue(message.content) } }]);
    } else push(contents, 'user', parts(message.content));
  }
  return { contents, system };
}

/** Drops JSON-Schema keywords Gemini's OpenAPI-subset schemas reject. */
export function geminiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(geminiSchema);
  if (!isJsonObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(schema)) {
    if (name === '$schema' || name === 'additionalProperties' || name === 'strict') continue;
    out[name] = geminiSchema(value);
  }
  return out;
}

function generationConfig(body: JsonObject): JsonObject {
  const config: JsonObject = {};
  const copy = (from: string, to: string) => {
    const value = num(body[from]);
    if (value !== undefined) config[to] = value;
  };
  copy('temperature', 'temperature');
  copy('top_p', 'topP');
  copy('top_k', 'topK');
  copy('presence_penalty', 'presencePenalty');
  copy('frequency_penalty', 'frequencyPenalty');
  copy('seed', 'seed');
  const max = maxTokensOf(body);
  if (max !== undefined) config.maxOutputTokens = max;
  const stop = stopSequences(body.stop);
  if (stop && stop.length > 0) config.stopSequences = stop;
  const format = isJsonObject(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object' || format?.type === 'json_schema')
    config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema' && isJsonObject(format.json_schema) && format.json_schema.schema)
    config.responseSchema = geminiSchema(format.json_schema.schema);
  const effort =
    typeof body.reasoning_effort === 'string' ? THINKING_BUDGETS[body.reasoning_effort] : undefined;
  if (effort !== undefined) config.thinkingConfig = { thinkingBudget: effort, includeThoughts: effort > 0 };
  return config;
}

function toolConfig(body: JsonObject): JsonObject | undefined {
  const choice = toolChoiceOf(body.tool_choice);
  if (!choice) return undefined;
  if (choice.kind === 'function')
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  const mode = choice.kind === 'required' ? 'ANY' : choice.kind === 'none' ? 'NONE' : 'AUTO';
  return { functionCallingConfig: { mode } };
}

export function encodeGeminiRequest(body: JsonObject): { payload: JsonObject; dropped: string[] } {
  const { contents, system } = geminiContents(messagesOf(body));
  const payload: JsonObject = { contents };
  if (system.length > 0) payload.systemInstruction = { parts: system };
  const config = generationConfig(body);
  if (Object.keys(config).length > 0) payload.generationConfig = config;
  const tools = functionTools(body.tools);
  if (tools.length > 0) {
    payload.tools = [
      {
        functionDeclarations: tools.map((tool) => ({
          name: tool.name,
          ...(tool.description !== undefined ? { description: tool.description } : {}),
          parameters: geminiSchema(tool.parameters),
        })),
      },
    ];
    const config = toolConfig(body);
    if (config) payload.toolConfig = config;
  }
  return { payload, dropped: droppedParams(body, GEMINI_MAPPED) };
}
