/**
 * The nesting limit of request bodies. V8's JSON.parse accepts any depth, but everything after
 * it that recurses (JSON.stringify of the outgoing body, prompt walks) overflows the stack on a
 * body nested tens of thousands deep, so such bodies are refused before they are parsed.
 */

import { CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE, stringEnd } from '../util/json-text.ts';

/** Deepest object/array nesting a request body may have; real bodies (tool schemas) stay far below. */
export const MAX_JSON_DEPTH = 128;

/**
 * Index where nesting first goes past `limit`, or -1. Not a validator: malformed input is left
 * to JSON.parse. Run on the decoded text JSON.parse reads next, whose `indexOf` is a V8 built-in
 * (Buffer's crosses into C++ per call, which made the scan several times slower).
 */
export function depthExceededAt(text: string, limit: number = MAX_JSON_DEPTH): number {
  // A valid document nested past `limit` needs more than 2 × limit characters of brackets alone.
  if (text.length <= 2 * limit) return -1;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = stringEnd(text, i + 1);
      if (i < 0) return -1;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) return i;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return -1;
}
