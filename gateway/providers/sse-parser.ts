/**
 * Incremental Server-Sent Events parser (the WHATWG framing: `event:`/`data:` lines, a blank
 * line ends an event, `:` starts a comment). Bytes may split anywhere, multi-byte characters
 * included. It is also the default StreamDecoder: OpenAI-compatible streams are already canonical.
 */
import { StringDecoder } from 'node:string_decoder';
import type { EventSink, StreamDecoder } from './adapter.ts';

export class SseParser implements StreamDecoder {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private event: string | undefined = undefined;
  private data: string | undefined = undefined;

  push(chunk: Buffer, sink: EventSink): void {
    const text = this.pending + this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline < 0) break;
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      this.line(text.slice(start, end), sink);
      start = newline + 1;
    }
    this.pending = start === 0 ? text : text.slice(start);
  }

  end(sink: EventSink): void {
    // A trailing partial line was cut mid-way and is dropped; complete lines still pending form
    // one last event (some servers omit the final blank line).
    this.decoder.end();
    this.pending = '';
    if (this.data !== undefined) sink.onEvent(this.event, this.data);
    this.event = undefined;
    this.data = undefined;
  }

  private line(line: string, sink: EventSink): void {
    if (line === '') {
      if (this.data !== undefined) sink.onEvent(this.event, this.data);
      this.event = undefined;
      this.data = undefined;
      return;
    }
    const first = line.charCodeAt(0);
    if (first === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    else if (field === 'event') this.event = value;
  }
}

/** Serialises one event; multi-line data becomes several `data:` lines. */
export function formatEvent(event: string | undefined, data: string): string {
  const body = data.includes('\n') ? data.split('\n').join('\ndata: ') : data;
  return event === undefined ? `data: ${body}\n\n` : `event: ${event}\ndata: ${body}\n\n`;
}
