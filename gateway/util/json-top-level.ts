/**
 * Finds where one top-level member's value sits in a JSON object's text, so the gateway can
 * forward a client's body as sent, or with that one value replaced, instead of serialising the
 * parsed object again (run on text JSON.parse accepted), and so a streamed usage event can have
 * only its `usage` parsed (finish-stream.ts). That text was not parsed first: the walk skips the
 * other members without validating them, and only the member it finds is then given to JSON.parse.
 *
 * The answer is refused (undefined) whenever the text could mean something else to a parser
 * other than V8's: a top-level key written with escapes, or a top-level key given twice
 * (JSON.parse keeps the last; some parsers keep the first). Then the caller serialises the
 * parsed object, which says exactly what the gateway validated. Also refused past MAX_KEYS
 * top-level members.
 */

import { CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE, stringEnd } from './json-text.ts';

/** `[start, end)` of the value's token, quotes included. */
export interface ValueSpan {
  start: number;
  end: number;
}

const COMMA = 0x2c;
const COLON = 0x3a;
/** Real bodies have a dozen top-level members; past this the duplicate check would cost more than it saves. */
const MAX_KEYS = 64;

function skipSpace(text: string, i: number): number {
  for (;;) {
    const code = text.charCodeAt(i);
    // JSON whitespace: space, tab, line feed, carriage return.
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return i;
    i++;
  }
}

/** Index just past the value starting at `i`; -1 on text that is not JSON. */
function valueEnd(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) {
    const end = stringEnd(text, i + 1);
    return end < 0 ? -1 : end + 1;
  }
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) {
        i = stringEnd(text, i + 1);
        if (i < 0) return -1;
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        depth++;
      } else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --depth === 0) {
        return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null runs to the next separator or space.
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || code <= 0x20) return i;
  }
  return i;
}

/**
 * The span of the value of top-level member `name` in `text` (a JSON object), or undefined when
 * it is absent or the top level is ambiguous (see above).
 */
export function topLevelMemberSpan(text: string, name: string): ValueSpan | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return undefined;
  const keys: string[] = [];
  let found: ValueSpan | undefined;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i + 1);
    if (keyEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd);
    if (keys.length === MAX_KEYS || key.includes('\\') || keys.includes(key)) return undefined;
    keys.push(key);
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== COLON) return undefined;
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    if (key === name) found = { start, end };
    i = skipSpace(text, end);
    const separator = text.charCodeAt(i);
    if (separator === CLOSE_BRACE) return found;
    if (separator !== COMMA) return undefined;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The span of the string value of top-level member `name` in `text` (a JSON object), or
 * undefined when it is absent, not a string, or the top level is ambiguous (see above).
 */
export function topLevelStringSpan(text: string, name: string): ValueSpan | undefined {
  const span = topLevelMemberSpan(text, name);
  return span !== undefined && text.charCodeAt(span.start) === QUOTE ? span : undefined;
}
