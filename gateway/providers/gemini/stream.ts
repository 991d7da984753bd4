/**
 * Gemini's `streamGenerateContent?alt=sse` → canonical chunks. Each event is a whole
 * GenerateContentResponse; `usageMetadata` grows to the final counts. The stream has no end
 * marker, so the finish chunk, usage and `[DONE]` are emitted when it ends after a finish reason
 * (a stream cut before one stays truncated).
 */
import type { EventSink, StreamDecoder } from '../adapter.ts';
import { SseParser } from '../sse-parser.ts';
import { isJsonObject, parseJsonObject } from '../../core/types.ts';
import { ChunkEmitter, errorEvent, type FinishReason, type TokenCounts } from '../translate/canonical.ts';
import { geminiCounts, geminiFinish, readParts } from './response.ts';

export class GeminiStreamDecoder implements StreamDecoder {
  private readonly parser = new SseParser();
  private readonly emitter: ChunkEmitter;
  private counts: TokenCounts | undefined = undefined;
  private finish: FinishReason | undefined = undefined;
  private calls = 0;
  private failed = false;
  private readonly inner: EventSink;
  private outer: EventSink | undefined = undefined;

  constructor(model: string) {
    this.emitter = new ChunkEmitter('gemini', model);
    this.inner = { onEvent: (_event, data) => this.handle(data) };
  }

  private handle(data: string): void {
    const sink = this.outer!;
    const chunk = parseJsonObject(data);
    if (!chunk) return;
    if (isJsonObject(chunk.error)) {
      this.failed = true;
      const status = typeof chunk.error.status === 'string' ? chunk.error.status : 'upstream_stream_error';
      return errorEvent(sink, String(chunk.error.message ?? 'stream error'), status);
    }
    if (typeof chunk.responseId === 'string') this.emitter.id = chunk.responseId;
    if (typeof chunk.modelVersion === 'string') this.emitter.model = chunk.modelVersion;
    if (chunk.usageMetadata !== undefined) this.counts = geminiCounts(chunk.usageMetadata);
    const candidate = Array.isArray(chunk.candidates) ? chunk.candidates[0] : undefined;
    this.emitter.start(sink);
    if (candidate === undefined) {
      if (isJsonObject(chunk.promptFeedback) && chunk.promptFeedback.blockReason)
        this.finish = 'content_filter';
      return;
    }
    const parts = readParts(candidate, this.calls);
    if (parts.reasoning !== '') this.emitter.reasoning(sink, parts.reasoning);
    if (parts.text !== null) this.emitter.text(sink, parts.text);
    for (const call of parts.toolCalls) this.emitter.toolStart(sink, call.id, call.name, call.arguments);
    this.calls += parts.toolCalls.length;
    if (isJsonObject(candidate) && candidate.finishReason)
      this.finish = geminiFinish(candidate.finishReason, this.emitter.sawToolCall);
  }

  push(chunk: Buffer, sink: EventSink): void {
    this.outer = sink;
    this.parser.push(chunk, this.inner);
  }

  end(sink: EventSink): void {
    this.outer = sink;
    this.parser.end(this.inner);
    if (this.finish === undefined || this.failed) return;
    this.emitter.finish(
      sink,
      this.finish === 'stop' && this.emitter.sawToolCall ? 'tool_calls' : this.finish,
    );
    this.emitter.end(sink, this.counts ?? { prompt: 0, completion: 0 });
  }
}
