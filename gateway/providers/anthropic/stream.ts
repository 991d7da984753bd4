/**
 * Anthropic's SSE stream (`message_start`, `content_block_start/delta/stop`, `message_delta`,
 * `message_stop`, `ping`, `error`) → canonical chat chunks. Usage comes from `message_start`
 * (input and cache tokens) and `message_delta` (cumulative output, and input counts when sent);
 * the usage chunk and `[DONE]` follow `message_stop`, so a stream cut before it is truncated.
 */
import type { EventSink, StreamDecoder } from '../adapter.ts';
import { SseParser } from '../sse-parser.ts';
import { isJsonObject, parseJsonObject, type JsonObject } from '../../core/types.ts';
import { ChunkEmitter, errorEvent, type TokenCounts } from '../translate/canonical.ts';
import { anthropicCounts, finishReasonOf } from './response.ts';

/** Receives every upstream event before translation (native pass-through). */
export type RawTap = (event: string | undefined, data: string) => void;

export class AnthropicStreamTranslator {
  private readonly emitter = new ChunkEmitter('msg', '');
  private counts: TokenCounts | undefined = undefined;
  /** content block index → tool call index */
  private readonly tools = new Map<number, number>();
  done = false;

  handle(type: string, event: JsonObject, sink: EventSink): void {
    if (type === 'message_start') return this.start(event, sink);
    if (type === 'content_block_start') return this.blockStart(event, sink);
    if (type === 'content_block_delta') return this.blockDelta(event, sink);
    if (type === 'message_delta') {
      const delta = isJsonObject(event.delta) ? event.delta : {};
      if (event.usage !== undefined) this.counts = anthropicCounts(event.usage, this.counts);
      if (delta.stop_reason) this.emitter.finish(sink, finishReasonOf(delta.stop_reason));
      return;
    }
    if (type === 'message_stop') {
      if (this.emitter.finishReason === undefined) this.emitter.finish(sink, 'stop');
      this.done = true;
      this.emitter.end(sink, this.counts ?? { prompt: 0, completion: 0 });
      return;
    }
    if (type === 'error') {
      const error = isJsonObject(event.error) ? event.error : {};
      const message = typeof error.message === 'string' ? error.message : 'stream error';
      errorEvent(sink, message, typeof error.type === 'string' ? error.type : 'upstream_stream_error');
    }
  }

  private start(event: JsonObject, sink: EventSink): void {
    const message = isJsonObject(event.message) ? event.message : {};
    if (typeof message.id === 'string') this.emitter.id = message.id;
    if (typeof message.model === 'string') this.emitter.model = message.model;
    this.counts = anthropicCounts(message.usage);
    this.emitter.start(sink);
  }

  private blockStart(event: JsonObject, sink: EventSink): void {
    const block = isJsonObject(event.content_block) ? event.content_block : {};
    const index = typeof event.index === 'number' ? event.index : 0;
    if (block.type === 'text' && typeof block.text === 'string') this.emitter.text(sink, block.text);
    else if (block.type === 'thinking' && typeof block.thinking === 'string')
      this.emitter.reasoning(sink, block.thinking);
    else if (block.type === 'tool_use') {
      const input = isJsonObject(block.input) && Object.keys(block.input).length > 0;
      const args = input ? JSON.stringify(block.input) : '';
      this.tools.set(
        index,
        this.emitter.toolStart(sink, String(block.id ?? ''), String(block.name ?? ''), args),
      );
    }
  }

  private blockDelta(event: JsonObject, sink: EventSink): void {
    const delta = isJsonObject(event.delta) ? event.delta : {};
    if (delta.type === 'text_delta' && typeof delta.text === 'string') this.emitter.text(sink, delta.text);
    else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string')
      this.emitter.reasoning(sink, delta.thinking);
    else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
      const tool = this.tools.get(typeof event.index === 'number' ? event.index : 0);
      if (tool !== undefined) this.emitter.toolArguments(sink, tool, delta.partial_json);
    }
  }
}

/** Bytes of an Anthropic SSE stream → canonical events (optionally tapping the raw events). */
export class AnthropicStreamDecoder implements StreamDecoder {
  private readonly parser = new SseParser();
  private readonly translator = new AnthropicStreamTranslator();

  constructor(private readonly tap?: RawTap) {}

  private sinkFor(sink: EventSink): EventSink {
    return {
      onEvent: (event, data) => {
        this.tap?.(event, data);
        const parsed = parseJsonObject(data);
        if (!parsed) return;
        const type = typeof parsed.type === 'string' ? parsed.type : (event ?? '');
        this.translator.handle(type, parsed, sink);
      },
    };
  }

  push(chunk: Buffer, sink: EventSink): void {
    this.parser.push(chunk, this.sinkFor(sink));
  }

  end(sink: EventSink): void {
    this.parser.end(this.sinkFor(sink));
  }
}
