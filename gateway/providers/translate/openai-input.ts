/**
 * Reading canonical (OpenAI) chat requests for translating adapters: message content as a list
 * of typed parts, data URLs, tool-call arguments, the tool-call id → function name index, and the
 * parameters a provider cannot take (reported in `x-heimdall-dropped-params`).
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';

/**
 * Prompt-cache marker (`cache_control: {type: "ephemeral"}`, optionally `ttl`) that LiteLLM and
 * the AI SDK put on content parts, whole messages and tools of OpenAI-format requests; carried to
 * providers that cache prompts (Anthropic, Bedrock and Vertex Claude), reported as dropped elsewhere.
 */
export type CacheControl = JsonObject;

export type ContentPart = (
  | { type: 'text'; text: string }
  | { type: 'image'; url: string; mediaType: string | undefined; base64: string | undefined }
) & { cacheControl?: CacheControl | undefined };

/** An object's `cache_control` when it is an object (anything else is not a marker). */
export function cacheControlOf(value: unknown): CacheControl | undefined {
  return isJsonObject(value) && isJsonObject(value.cache_control) ? value.cache_control : undefined;
}

const DATA_URL = /^data:([^;,]+)?(;base64)?,(.*)$/s;

/** `data:image/png;base64,AAA` → media type and base64 data; undefined for other URLs. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = DATA_URL.exec(url);
  if (!match || match[2] === undefined) return undefined;
  return { mediaType: match[1] ?? 'application/octet-stream', data: match[3] ?? '' };
}

function imagePart(value: unknown): ContentPart | undefined {
  const url = isJsonObject(value) ? value.url : value;
  if (typeof url !== 'string') return undefined;
  const data = parseDataUrl(url);
  return { type: 'image', url, mediaType: data?.mediaType, base64: data?.data };
}

/** A message's `content` (string, parts array or null) as typed parts; unknown parts are skipped. */
export function contentParts(content: unknown): ContentPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const parts: ContentPart[] = [];
  for (const raw of content) {
    if (typeof raw === 'string') parts.push({ type: 'text', text: raw });
    if (!isJsonObject(raw)) continue;
    const cacheControl = cacheControlOf(raw);
    const marker = cacheControl === undefined ? {} : { cacheControl };
    if ((raw.type === 'text' || raw.type === 'input_text') && typeof raw.text === 'string')
      parts.push({ type: 'text', text: raw.text, ...marker });
    else if (raw.type === 'image_url') {
      const image = imagePart(raw.image_url);
      if (image) parts.push({ ...image, ...marker });
    }
  }
  return parts;
}

/**
 * A system/developer message as text segments: one joined segment, or one per text part when a
 * part carries `cache_control` (the marker ends the cached prefix at that part). A message-level
 * `cache_control` marks the last segment.
 */
export function systemSegments(message: JsonObject): Array<{ text: string; cacheControl?: CacheControl }> {
  const parts = contentParts(message.content).filter((part) => part.type === 'text');
  const segments: Array<{ text: string; cacheControl?: CacheControl }> = parts.some(
    (part) => part.cacheControl !== undefined,
  )
    ? parts.map((part) =>
        part.cacheControl ? { text: part.text, cacheControl: part.cacheControl } : { text: part.text },
      )
    : [{ text: contentText(message.content) }];
  const nonEmpty = segments.filter((segment) => segment.text !== '');
  const whole = cacheControlOf(message);
  const last = nonEmpty[nonEmpty.length - 1];
  if (whole !== undefined && last !== undefined) last.cacheControl = whole;
  return nonEmpty;
}

/** The text of a content value (parts joined with newlines; images ignored). */
export function contentText(content: unknown): string {
  return contentParts(content)
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n');
}

/** Parses tool-call `arguments` (a JSON string); keeps unparsable text under `_raw`. */
export function parseArguments(raw: unknown): JsonObject {
  if (isJsonObject(raw)) return raw;
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return isJsonObject(parsed) ? parsed : { value: parsed };
  } catch {
    return { _raw: raw };
  }
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** The `tool_calls` of an assistant message. */
export function toolCallsOf(message: JsonObject): ToolCall[] {
  const calls = message.tool_calls;
  if (!Array.isArray(calls)) return [];
  const result: ToolCall[] = [];
  for (const call of calls) {
    if (!isJsonObject(call) || !isJsonObject(call.function)) continue;
    const fn = call.function;
    result.push({
      id: typeof call.id === 'string' ? call.id : '',
      name: typeof fn.name === 'string' ? fn.name : '',
      arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}),
    });
  }
  return result;
}

/** tool_call_id → function name over the conversation (providers that key results by name). */
export function toolNames(messages: readonly unknown[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (!isJsonObject(message)) continue;
    for (const call of toolCallsOf(message)) names.set(call.id, call.name);
  }
  return names;
}

export function messagesOf(body: JsonObject): JsonObject[] {
  return Array.isArray(body.messages) ? body.messages.filter(isJsonObject) : [];
}

/** `stop` as a list of sequences. */
export function stopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop)) return stop.filter((s): s is string => typeof s === 'string');
  return undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `max_completion_tokens`, else `max_tokens`. */
export function maxTokensOf(body: JsonObject): number | undefined {
  return num(body.max_completion_tokens) ?? num(body.max_tokens);
}

/** OpenAI function tools: name, description, JSON-schema parameters. */
export interface FunctionTool {
  name: string;
  description: string | undefined;
  parameters: JsonObject;
  /** On the tool (LiteLLM) or inside `function`. */
  cacheControl: CacheControl | undefined;
}

export function functionTools(tools: unknown): FunctionTool[] {
  if (!Array.isArray(tools)) return [];
  const result: FunctionTool[] = [];
  for (const tool of tools) {
    if (!isJsonObject(tool) || !isJsonObject(tool.function)) continue;
    const fn = tool.function;
    if (typeof fn.name !== 'string') continue;
    result.push({
      name: fn.name,
      description: typeof fn.description === 'string' ? fn.description : undefined,
      parameters: isJsonObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
      cacheControl: cacheControlOf(tool) ?? cacheControlOf(fn),
    });
  }
  return result;
}

/** `tool_choice`: auto, none, required, or one named function. */
export type ToolChoice = { kind: 'auto' | 'none' | 'required' } | { kind: 'function'; name: string };

export function toolChoiceOf(value: unknown): ToolChoice | undefined {
  if (value === 'auto' || value === 'none' || value === 'required') return { kind: value };
  if (isJsonObject(value) && isJsonObject(value.function) && typeof value.function.name === 'string')
    return { kind: 'function', name: value.function.name };
  return undefined;
}

/**
 * Fields every translating adapter consumes or that only steer the gateway; never reported as
 * dropped. `stream_options` is honoured by the stream decoders (usage is always reported).
 */
const ALWAYS_HANDLED = new Set(['model', 'messages', 'stream', 'stream_options', 'input']);

/** Whether `cache_control` sits on a message, a content part or a tool of the request. */
export function hasNestedCacheControl(body: JsonObject): boolean {
  for (const message of messagesOf(body)) {
    if (cacheControlOf(message) !== undefined) return true;
    if (Array.isArray(message.content) && message.content.some((part) => cacheControlOf(part) !== undefined))
      return true;
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return tools.some(
    (tool) =>
      cacheControlOf(tool) !== undefined ||
      cacheControlOf(isJsonObject(tool) ? tool.function : undefined) !== undefined,
  );
}

/**
 * Names of the body's fields that `mapped` does not cover (null values count as absent), plus
 * `cache_control` when messages, parts or tools carry it and the provider does not
 * (`carriesCacheControl`): a marker that silently vanished would only show up on the bill.
 */
export function droppedParams(
  body: JsonObject,
  mapped: ReadonlySet<string>,
  carriesCacheControl = false,
): string[] {
  const dropped: string[] = [];
  for (const name of Object.keys(body)) {
    if (ALWAYS_HANDLED.has(name) || mapped.has(name)) continue;
    if (body[name] === null || body[name] === undefined) continue;
    dropped.push(name);
  }
  if (!carriesCacheControl && !dropped.includes('cache_control') && hasNestedCacheControl(body))
    dropped.push('cache_control');
  return dropped.sort();
}

/** Embedding inputs as a list of strings (token-id arrays are sent as their JSON text). */
export function embeddingInputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  return Array.isArray(input)
    ? input.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)))
    : [];
}
