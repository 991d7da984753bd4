/**
 * ConverseStream (binary event-stream frames) → canonical chunks: `messageStart`,
 * `contentBlockStart` (tool use), `contentBlockDelta` (text, tool input, reasoning),
 * `messageStop` (stop reason) and `metadata` (usage) — the usage chunk and `[DONE]` follow
 * `metadata`. Exception frames (throttling, validation…) become canonical error events.
 */
import type { EventSink, StreamDecoder } from '../adapter.ts';
import { isJsonObject, parseJsonObject, type JsonObject } from '../../core/types.ts';
import { ChunkEmitter, errorEvent, type TokenCounts } from '../translate/canonical.ts';
import { converseCounts, converseFinish } from './converse-response.ts';
import { EventStreamFramer } from './eventstream.ts';

export class ConverseStreamDecoder implements StreamDecoder {
  private readonly framer = new EventStreamFramer();
  private readonly emitter: ChunkEmitter;
  /** contentBlockIndex → tool call index */
  private readonly tools = new Map<number, number>();
  private stopped = false;
  private done = false;

  constructor(model: string) {
    this.emitter = new ChunkEmitter('chatcmpl-bedrock', model);
  }

  push(chunk: Buffer, sink: EventSink): void {
    let messages;
    try {
      messages = this.framer.push(chunk);
    } catch (error) {
      this.done = true;
      return errorEvent(
        sink,
        `corrupt event-stream frame: ${(error as Error).message}`,
        'upstream_invalid_response',
      );
    }
    for (const message of messages) {
      if (this.done) return;
      const event = parseJsonObject(message.payload) ?? {};
      if (message.messageType !== 'event') {
        this.done = true;
        errorEvent(
          sink,
          String(event.message ?? event.Message ?? message.type),
          message.type || 'upstream_stream_error',
        );
      } else this.handle(message.type, event, sink);
    }
  }

  private handle(type: string, event: JsonObject, sink: EventSink): void {
    if (type === 'messageStart') return this.emitter.start(sink);
    if (type === 'contentBlockStart') {
      const start =
        isJsonObject(event.start) && isJsonObject(event.start.toolUse) ? event.start.toolUse : undefined;
      if (start)
        this.tools.set(
          Number(event.contentBlockIndex ?? 0),
          this.emitter.toolStart(sink, String(start.toolUseId ?? ''), String(start.name ?? '')),
        );
      return;
    }
    if (type === 'contentBlockDelta') return this.delta(event, sink);
    if (type === 'messageStop') {
      this.stopped = true;
      return this.emitter.finish(sink, converseFinish(event.stopReason));
    }
    if (type === 'metadata') this.finish(sink, converseCounts(event.usage));
  }

  private delta(event: JsonObject, sink: EventSink): void {
    const delta = isJsonObject(event.delta) ? event.delta : {};
    if (typeof delta.text === 'string') this.emitter.text(sink, delta.text);
    else if (isJsonObject(delta.toolUse) && typeof delta.toolUse.input === 'string') {
      const tool = this.tools.get(Number(event.contentBlockIndex ?? 0));
      if (tool !== undefined) this.emitter.toolArguments(sink, tool, delta.toolUse.input);
    } else if (isJsonObject(delta.reasoningContent) && typeof delta.reasoningContent.text === 'string')
      this.emitter.reasoning(sink, delta.reasoningContent.text);
  }

  private finish(sink: EventSink, usage: TokenCounts | undefined): void {
    if (this.done) return;
    this.done = true;
    if (!this.stopped) this.emitter.finish(sink, 'stop');
    this.emitter.end(sink, usage);
  }

  end(sink: EventSink): void {
    // A stream that stopped but sent no metadata frame still ends cleanly (usage unknown).
    if (this.stopped && this.framer.pending === 0) this.finish(sink, undefined);
  }
}
