/** The incremental SSE parser: any byte split, CRLF, comments, multi-line data, cut streams. */
import { describe, expect, it } from 'vitest';
import { formatEvent, SseParser, wholeDataEvents } from '../../gateway/providers/sse-parser.ts';

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

/** Feeds `chunks` in turn; answers `verbatim` after each, and checks it against the definition. */
function verbatimAfterEach(chunks: string[]): boolean[] {
  const parser = new SseParser();
  return chunks.map((text) => {
    const events: string[] = [];
    parser.push(Buffer.from(text), { onEvent: (event, data) => void events.push(formatEvent(event, data)) });
    if (parser.verbatim) expect(events.join('')).toBe(text);
    return parser.verbatim;
  });
}

describe('SseParser.verbatim (a chunk that is exactly formatEvent of its events)', () => {
  it('is true for whole canonical events, event lines and multi-line data included', () => {
    expect(
      verbatimAfterEach([
        'data: {"a":1}\n\ndata: [DONE]\n\n',
        'event: x\ndata: a\ndata: b\n\n',
        'data: \n\n',
      ]),
    ).toEqual([true, true, true]);
  });

  it('is false for a chunk that starts or ends inside an event, and for the one after', () => {
    expect(verbatimAfterEach(['data: {"a":1}\n\ndata: {"b"', ':2}\n\n', 'data: 3\n\n'])).toEqual([
      false,
      false,
      true,
    ]);
    expect(verbatimAfterEach(['data: 1\n', '\n', 'data: 2\n\n'])).toEqual([false, false, true]);
  });

  it('is false when a multi-byte character is split at the chunk end', () => {
    const parser = new SseParser();
    const bytes = Buffer.from('data: é\n\n');
    const sink = { onEvent: () => undefined };
    parser.push(bytes.subarray(0, 7), sink);
    expect(parser.verbatim).toBe(false);
    parser.push(bytes.subarray(7), sink);
    expect(parser.verbatim).toBe(false);
    parser.push(Buffer.from('data: 1\n\n'), sink);
    expect(parser.verbatim).toBe(true);
  });

  it.each([
    ['CRLF line ends', 'data: 1\r\n\r\n'],
    ['a comment', ': ping\n\ndata: 1\n\n'],
    ['no space after the colon', 'data:1\n\n'],
    ['an empty value without its space', 'data:\n\n'],
    ['a field without a colon', 'data\n\n'],
    ['another field', 'id: 7\ndata: 1\n\n'],
    ['the event line after the data', 'data: 1\nevent: x\n\n'],
    ['two event lines', 'event: x\nevent: y\ndata: 1\n\n'],
    ['a blank line outside an event', '\ndata: 1\n\n'],
    ['an event without data', 'event: x\n\n'],
  ])('is false for %s', (_name, text) => {
    expect(verbatimAfterEach([text])).toEqual([false]);
  });
});

describe('wholeDataEvents', () => {
  /** The payloads the spans point at, read as text. */
  const payloads = (text: string) => {
    const bytes = Buffer.from(text);
    const spans = wholeDataEvents(bytes);
    if (spans === undefined) return undefined;
    const out: string[] = [];
    for (let i = 0; i < spans.length; i += 2) out.push(bytes.toString('utf8', spans[i], spans[i + 1]));
    return out;
  };

  it('gives the payload of every event of a chunk of whole data events, multi-byte text included', () => {
    const events = ['{"a":"hé 中"}', '', '[DONE]'];
    expect(payloads(events.map((data) => formatEvent(undefined, data)).join(''))).toEqual(events);
  });

  it('agrees with the parser on the same chunk', () => {
    const text = ['{"x":1}', '{"y":"a b"}', '[DONE]'].map((data) => formatEvent(undefined, data)).join('');
    expect(payloads(text)).toEqual(parseInPieces(text, 1 << 20).map(([, data]) => data));
    expect(payloads(STREAM)).toBeUndefined();
  });

  it.each([
    ['a cut event', 'data: {"a":1}\n\ndata: {"b"'],
    ['an event without its blank line', 'data: {"a":1}\n'],
    ['CRLF line ends', 'data: {"a":1}\r\n\r\n'],
    ['a comment', ': keep-alive\n\ndata: {"a":1}\n\n'],
    ['an event field', 'event: delta\ndata: {"a":1}\n\n'],
    ['two data lines in one event', 'data: {"a":\ndata: 1}\n\n'],
    ['no space after the colon', 'data:{"a":1}\n\n'],
    ['an extra blank line', 'data: {"a":1}\n\n\n'],
  ])('is undefined for %s', (_name, text) => {
    expect(payloads(text)).toBeUndefined();
  });
});
