/**
 * Cohere v2 answers → canonical: message content and tool calls, finish reasons, usage from
 * `billed_units` (what Cohere bills; `tokens` when billed units are absent) plus `cached_tokens`,
 * and the SSE stream (`message-start`, `content-delta`, `tool-call-start/delta`, `message-end`).
 */
import type { EventSink, StreamDecoder } from '../adapter.ts';
import { SseParser } from '../sse-parser.ts';
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject, parseJsonObject } from '../../core/types.ts';
import {
  chatCompletion,
  ChunkEmitter,
  embeddingList,
  errorEvent,
  type CanonicalToolCall,
  type FinishReason,
  type TokenCounts,
} from '../translate/canonical.ts';

const FINISH: Readonly<Record<string, FinishReason>> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

export function cohereFinish(reason: unknown): FinishReason {
  return (typeof reason === 'string' ? FINISH[reason] : undefined) ?? 'stop';
}

const count = (value: unknown): number => (typeof value === 'number' && value > 0 ? value : 0);

export function cohereCounts(usage: unknown): TokenCounts {
  const u = isJsonObject(usage) ? usage : {};
  const units = isJsonObject(u.billed_units) ? u.billed_units : isJsonObject(u.tokens) ? u.tokens : {};
  const counts: TokenCounts = { prompt: count(units.input_tokens), completion: count(units.output_tokens) };
  if (typeof u.cached_tokens === 'number') counts.cacheRead = u.cached_tokens;
  return counts;
}

export function decodeCohereChat(payload: JsonObject, model: string): JsonObject {
  const message = isJsonObject(payload.message) ? payload.message : {};
  let text: string | null = null;
  for (const part of Array.isArray(message.content) ? message.content : [])
    if (isJsonObject(part) && typeof part.text === 'string') text = (text ?? '') + part.text;
  const toolCalls: CanonicalToolCall[] = [];
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
    if (!isJsonObject(call) || !isJsonObject(call.function)) continue;
    toolCalls.push({
      id: String(call.id ?? ''),
      name: String(call.function.name ?? ''),
      arguments: String(call.function.arguments ?? '{}'),
    });
  }
  return chatCompletion({
    id: typeof payload.id === 'string' ? payload.id : 'cohere',
    model,
    text,
    reasoning:
      typeof message.tool_plan === 'string' && message.tool_plan !== '' ? message.tool_plan : undefined,
    toolCalls,
    finishReason: cohereFinish(payload.finish_reason),
    usage: cohereCounts(payload.usage),
  });
}

export function decodeCohereEmbed(payload: JsonObject, model: string, request: JsonObject): JsonObject {
  const embeddings = isJsonObject(payload.embeddings) ? payload.embeddings.float : payload.embeddings;
  const meta =
    isJsonObject(payload.meta) && isJsonObject(payload.meta.billed_units) ? payload.meta.billed_units : {};
  return embeddingList(model, Array.isArray(embeddings) ? embeddings : [], count(meta.input_tokens), request);
}

function messageOf(event: JsonObject): JsonObject {
  const delta = isJsonObject(event.delta) ? event.delta : {};
  return isJsonObject(delta.message) ? delta.message : {};
}

export class CohereStreamDecoder implements StreamDecoder {
  private readonly parser = new SseParser();
  private readonly emitter = new ChunkEmitter('cohere', '');
  private readonly tools = new Map<number, number>();
  private outer: EventSink | undefined = undefined;
  private readonly inner: EventSink = { onEvent: (_event, data) => this.handle(data) };

  private handle(data: string): void {
    const sink = this.outer!;
    const event = parseJsonObject(data);
    if (!event) return;
    const message = messageOf(event);
    const index = typeof event.index === 'number' ? event.index : 0;
    switch (event.type) {
      case 'message-start':
        if (typeof event.id === 'string') this.emitter.id = event.id;
        return this.emitter.start(sink);
      case 'content-delta':
        if (isJsonObject(message.content) && typeof message.content.text === 'string')
          this.emitter.text(sink, message.content.text);
        return;
      case 'tool-plan-delta':
        if (typeof message.tool_plan === 'string') this.emitter.reasoning(sink, message.tool_plan);
        return;
      case 'tool-call-start': {
        const call = isJsonObject(message.tool_calls) ? message.tool_calls : {};
        const fn = isJsonObject(call.function) ? call.function : {};
        this.tools.set(
          index,
          this.emitter.toolStart(
            sink,
            String(call.id ?? ''),
            String(fn.name ?? ''),
            String(fn.arguments ?? ''),
          ),
        );
        return;
      }
      case 'tool-call-delta': {
        const call = isJsonObject(message.tool_calls) ? message.tool_calls : {};
        const fn = isJsonObject(call.function) ? call.function : {};
        const tool = this.tools.get(index);
        if (tool !== undefined && typeof fn.arguments === 'string')
          this.emitter.toolArguments(sink, tool, fn.arguments);
        return;
      }
      case 'message-end': {
        const delta = isJsonObject(event.delta) ? event.delta : {};
        if (delta.finish_reason === 'ERROR')
          return errorEvent(sink, String(delta.error ?? 'generation failed'), 'cohere_error');
        this.emitter.finish(sink, cohereFinish(delta.finish_reason));
        return this.emitter.end(sink, cohereCounts(delta.usage));
      }
    }
  }

  push(chunk: Buffer, sink: EventSink): void {
    this.outer = sink;
    this.parser.push(chunk, this.inner);
  }

  end(sink: EventSink): void {
    this.outer = sink;
    this.parser.end(this.inner);
  }
}
