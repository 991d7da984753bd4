/**
 * Building canonical (OpenAI-shaped) answers: chat completions, stream chunks and usage. Every
 * translating adapter decodes into these, so the engine's usage capture, relay and client
 * encoders see one format.
 */
import type { EventSink } from '../adapter.ts';
import type { JsonObject } from '../../core/types.ts';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface TokenCounts {
  /** Every input token, cache reads and writes included. */
  prompt: number;
  completion: number;
  /** Input tokens read from the provider's prompt cache. */
  cacheRead?: number | undefined;
  /** Input tokens written to the provider's prompt cache. */
  cacheWrite?: number | undefined;
  /** Completion tokens spent on reasoning (already inside `completion`). */
  reasoning?: number | undefined;
  /** Provider's own total when it reports one. */
  total?: number | undefined;
}

/** The canonical `usage` object; `prompt_tokens_details` carries cache reads and writes. */
export function usageObject(counts: TokenCounts): JsonObject {
  const usage: JsonObject = {
    prompt_tokens: counts.prompt,
    completion_tokens: counts.completion,
    total_tokens: counts.total ?? counts.prompt + counts.completion,
  };
  if (counts.cacheRead !== undefined || counts.cacheWrite !== undefined) {
    const details: JsonObject = { cached_tokens: counts.cacheRead ?? 0 };
    if (counts.cacheWrite !== undefined) details.cache_creation_tokens = counts.cacheWrite;
    usage.prompt_tokens_details = details;
  }
  if (counts.reasoning !== undefined)
    usage.completion_tokens_details = { reasoning_tokens: counts.reasoning };
  return usage;
}

export interface CanonicalToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface CanonicalMessage {
  id: string;
  model: string;
  text: string | null;
  reasoning?: string | undefined;
  toolCalls: CanonicalToolCall[];
  finishReason: FinishReason;
  usage: TokenCounts;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A `chat.completion` body with one choice. */
export function chatCompletion(message: CanonicalMessage): JsonObject {
  const out: JsonObject = { role: 'assistant', content: message.text };
  if (message.reasoning) out.reasoning_content = message.reasoning;
  if (message.toolCalls.length > 0)
    out.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  return {
    id: message.id,
    object: 'chat.completion',
    created: nowSeconds(),
    model: message.model,
    choices: [{ index: 0, message: out, logprobs: null, finish_reason: message.finishReason }],
    usage: usageObject(message.usage),
  };
}

function base64Vector(vector: unknown): unknown {
  if (!Array.isArray(vector)) return vector;
  const bytes = Buffer.alloc(vector.length * 4);
  // Little-endian explicitly: a Float32Array's bytes follow the host's byte order.
  vector.forEach((value, i) => bytes.writeFloatLE(typeof value === 'number' ? value : 0, i * 4));
  return bytes.toString('base64');
}

/** An `embedding` list body; `encoding_format: "base64"` packs little-endian float32 (OpenAI's). */
export function embeddingList(
  model: string,
  vectors: readonly unknown[],
  prompt: number,
  request?: JsonObject,
): JsonObject {
  const base64 = request?.encoding_format === 'base64';
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? base64Vector(vector) : vector,
    })),
    model,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}

/**
 * Emits `chat.completion.chunk` events for one stream: role, text, reasoning and tool-call
 * deltas, the finish chunk, the usage-only chunk and `[DONE]`.
 */
export class ChunkEmitter {
  private started = false;
  private readonly created = nowSeconds();
  private toolIndex = -1;
  finishReason: FinishReason | undefined = undefined;
  sawToolCall = false;

  constructor(
    public id: string,
    public model: string,
  ) {}

  private emit(sink: EventSink, delta: JsonObject, finish: FinishReason | null = null): void {
    const chunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    sink.onEvent(undefined, JSON.stringify(chunk));
  }

  /** The first chunk (role); idempotent. */
  start(sink: EventSink): void {
    if (this.started) return;
    this.started = true;
    this.emit(sink, { role: 'assistant', content: '' });
  }

  text(sink: EventSink, text: string): void {
    this.start(sink);
    if (text !== '') this.emit(sink, { content: text });
  }

  reasoning(sink: EventSink, text: string): void {
    this.start(sink);
    if (text !== '') this.emit(sink, { reasoning_content: text });
  }

  /** Opens a new tool call; returns its index in `tool_calls`. */
  toolStart(sink: EventSink, id: string, name: string, args = ''): number {
    this.start(sink);
    this.sawToolCall = true;
    const index = ++this.toolIndex;
    const call = { index, id, type: 'function', function: { name, arguments: args } };
    this.emit(sink, { tool_calls: [call] });
    return index;
  }

  toolArguments(sink: EventSink, index: number, args: string): void {
    if (args === '') return;
    this.emit(sink, { tool_calls: [{ index, function: { arguments: args } }] });
  }

  finish(sink: EventSink, reason: FinishReason): void {
    this.start(sink);
    this.finishReason = reason;
    this.emit(sink, {}, reason);
  }

  /** The usage-only chunk (`choices: []`), then `[DONE]`. */
  end(sink: EventSink, usage: TokenCounts | undefined): void {
    if (usage) {
      const chunk = {
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [],
        usage: usageObject(usage),
      };
      sink.onEvent(undefined, JSON.stringify(chunk));
    }
    sink.onEvent(undefined, '[DONE]');
  }
}

/** The canonical error event data a decoder emits when the provider reports an in-stream error. */
export function errorEvent(sink: EventSink, message: string, code: string): void {
  sink.onEvent(undefined, JSON.stringify({ error: { message, type: 'upstream_error', code, param: null } }));
}
