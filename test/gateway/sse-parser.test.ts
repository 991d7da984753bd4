/** The incremental SSE parser: any byte split, CRLF, comments, multi-line data, cut streams. */
import { describe, expect, it } from 'vitest';
import { formatEvent, SseParser } from '../../gateway/providers/sse-parser.ts';

function parseInPieces(text: string, size: number): Array<[string | undefined, string]> {
  const events: Array<[string | undefined, string]> = [];
  const sink = { onEvent: (event: string | undefined, data: string) => void events.push([event, data]) };
  const parser = new SseParser();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size), sink);
  parser.end(sink);
  return events;
}

const STREAM =
  'data: {"a":"你好🌍"}\n\n: keep-alive\n\nevent: response.completed\r\ndata: {"b":1}\r\n\r\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';

describe('SseParser', () => {
  it.each([1, 2, 3, 7, 1000])('parses the same events whatever the chunk size (%i bytes)', (size) => {
    expect(parseInPieces(STREAM, size)).toEqual([
      [undefined, '{"a":"你好🌍"}'],
      ['response.completed', '{"b":1}'],
      [undefined, 'line1\nline2'],
      [undefined, '[DONE]'],
    ]);
  });

  it('drops a partial last line but keeps complete lines of an unterminated event', () => {
    expect(parseInPieces('data: {"x":1}\n\ndata: {"y":', 5)).toEqual([[undefined, '{"x":1}']]);
    expect(parseInPieces('data: [DONE]\n', 4)).toEqual([[undefined, '[DONE]']]);
  });

  it('reads fields without a colon or a value as empty values, and ignores unknown fields', () => {
    expect(parseInPieces('data\n\nevent\ndata:x\nid: 7\nretry: 10\n\n', 3)).toEqual([
      [undefined, ''],
      ['', 'x'],
    ]);
  });

  it('formats events back, multi-line data included', () => {
    expect(formatEvent(undefined, 'x')).toBe('data: x\n\n');
    expect(formatEvent('error', 'a\nb')).toBe('event: error\ndata: a\ndata: b\n\n');
  });
});
