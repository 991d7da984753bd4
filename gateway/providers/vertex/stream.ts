/**
 * Vertex streams are Gemini SSE (`streamGenerateContent?alt=sse`) or Anthropic SSE
 * (`streamRawPredict`). The decoder is created before the model is known to the stream, so it
 * looks at the first complete event and hands every byte to the matching decoder.
 */
import type { EventSink, StreamDecoder } from '../adapter.ts';
import { AnthropicStreamDecoder } from '../anthropic/stream.ts';
import { GeminiStreamDecoder } from '../gemini/stream.ts';

export class VertexStreamDecoder implements StreamDecoder {
  private inner: StreamDecoder | undefined = undefined;
  private buffered: Buffer[] = [];

  private choose(text: string): StreamDecoder | undefined {
    if (!/\r?\n\r?\n/.test(text)) return undefined;
    return /"type"\s*:\s*"(message_start|ping|error)"|^event:/m.test(text)
      ? new AnthropicStreamDecoder()
      : new GeminiStreamDecoder('');
  }

  push(chunk: Buffer, sink: EventSink): void {
    if (this.inner) return this.inner.push(chunk, sink);
    this.buffered.push(chunk);
    const all = Buffer.concat(this.buffered);
    const decoder = this.choose(all.toString('utf8'));
    if (!decoder) return;
    this.inner = decoder;
    this.buffered = [];
    decoder.push(all, sink);
  }

  end(sink: EventSink): void {
    if (!this.inner && this.buffered.length > 0) {
      const all = Buffer.concat(this.buffered);
      this.inner = this.choose(`${all.toString('utf8')}\n\n`);
      this.inner?.push(all, sink);
    }
    this.inner?.end(sink);
  }
}
