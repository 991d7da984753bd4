/**
 * AWS event-stream framing (`application/vnd.amazon.eventstream`): each message is a 12-byte
 * prelude (total length, headers length, prelude CRC32), headers, payload and a message CRC32.
 * Frames are cut from the byte stream here and decoded (CRC-checked) by @smithy/eventstream-codec.
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const codec = new EventStreamCodec(
  (bytes: Uint8Array) => decoder.decode(bytes),
  (text: string) => encoder.encode(text),
);

export interface EventMessage {
  /** `:message-type`: `event`, `exception` or `error`. */
  messageType: string;
  /** `:event-type` or `:exception-type` / `:error-code`. */
  type: string;
  payload: string;
}

function header(headers: Record<string, { type: string; value: unknown }>, name: string): string {
  const value = headers[name]?.value;
  return typeof value === 'string' ? value : '';
}

export class EventStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  /** Appends bytes; returns the complete messages now available. Throws on a corrupt frame. */
  push(chunk: Buffer): EventMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: EventMessage[] = [];
    while (this.buffer.length >= 4) {
      const total = this.buffer.readUInt32BE(0);
      if (total < 16) throw new Error(`invalid event-stream frame length ${total}`);
      if (this.buffer.length < total) break;
      const frame = this.buffer.subarray(0, total);
      this.buffer = this.buffer.subarray(total);
      const message = codec.decode(frame);
      const headers = message.headers as Record<string, { type: string; value: unknown }>;
      const messageType = header(headers, ':message-type') || 'event';
      const type =
        messageType === 'event'
          ? header(headers, ':event-type')
          : header(headers, ':exception-type') || header(headers, ':error-code');
      messages.push({ messageType, type, payload: decoder.decode(message.body) });
    }
    return messages;
  }

  /** Bytes of an incomplete frame left at the end. */
  get pending(): number {
    return this.buffer.length;
  }
}
