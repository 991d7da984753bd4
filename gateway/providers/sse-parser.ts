/**
 * Incremental Server-Sent Events parser (the WHATWG framing: `event:`/`data:` lines, a blank
 * line ends an event, `:` starts a comment). Bytes may split anywhere, multi-byte characters
 * included. It is also the default StreamDecoder: OpenAI-compatible streams are already canonical.
 */
import { StringDecoder } from 'node:string_decoder';
import type { EventSink, StreamDecoder } from './adapter.ts';

export class SseParser implements StreamDecoder {
  private readonly decoder = new StringDecoder('utf8');
  /**
   * The current partial line, in the pieces it arrived in: joined once when its newline comes, so
   * a long event (a Responses terminal event can be hundreds of KB) read in small chunks costs
   * linear time, not a re-copy of everything pending on every chunk.
   */
  private pending: string[] = [];
  private pendingLength = 0;
  private event: string | undefined = undefined;
  private data: string | undefined = undefined;

  push(chunk: Buffer, sink: EventSink): void {
    const decoded = this.decoder.write(chunk);
    let searchFrom = this.pendingLength;
    if (!decoded.includes('\n')) {
      if (decoded !== '') {
        this.pending.push(decoded);
        this.pendingLength += decoded.length;
      }
      return;
    }
    const text = searchFrom === 0 ? decoded : this.pending.join('') + decoded;
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', searchFrom);
      if (newline < 0) break;
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      this.line(text, start, end, sink);
      start = newline + 1;
      searchFrom = start;
    }
    this.pending = start < text.length ? [text.slice(start)] : [];
    this.pendingLength = text.length - start;
  }

  end(sink: EventSink): void {
    // A trailing partial line was cut mid-way and is dropped; complete lines still pending form
    // one last event (some servers omit the final blank line).
    this.decoder.end();
    this.pending = [];
    this.pendingLength = 0;
    if (this.data !== undefined) sink.onEvent(this.event, this.data);
    this.event = undefined;
    this.data = undefined;
  }

  /**
   * One line, `text` from `start` to `end` (its terminator excluded), read in place: only the
   * value is copied out, once per line, since this runs for every line of every stream.
   */
  private line(text: string, start: number, end: number, sink: EventSink): void {
    if (start === end) {
      if (this.data !== undefined) sink.onEvent(this.event, this.data);
      this.event = undefined;
      this.data = undefined;
      return;
    }
    if (text.charCodeAt(start) === 58 /* : */) return;
    let colon = start;
    while (colon < end && text.charCodeAt(colon) !== 58) colon++;
    const fieldLength = colon - start;
    let valueStart = colon + 1;
    if (valueStart < end && text.charCodeAt(valueStart) === 32) valueStart++;
    if (fieldLength === 4 && text.startsWith('data', start)) {
      const value = valueStart < end ? text.slice(valueStart, end) : '';
      this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    } else if (fieldLength === 5 && text.startsWith('event', start)) {
      this.event = valueStart < end ? text.slice(valueStart, end) : '';
    }
  }
}

/** Serialises one event; multi-line data becomes several `data:` lines. */
export function formatEvent(event: string | undefined, data: string): string {
  const body = data.includes('\n') ? data.split('\n').join('\ndata: ') : data;
  return event === undefined ? `data: ${body}\n\n` : `event: ${event}\ndata: ${body}\n\n`;
}
