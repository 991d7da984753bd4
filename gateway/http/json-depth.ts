/**
 * The nesting limit of request bodies. V8's JSON.parse accepts any depth, but everything after
 * it that recurses (JSON.stringify of the outgoing body, prompt walks) overflows the stack on a
 * body nested tens of thousands deep, so such bodies are refused before they are parsed.
 */

/** Deepest object/array nesting a request body may have; real bodies (tool schemas) stay far below. */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Index of the quote closing the string whose content starts at `from`; -1 when unterminated. */
function stringEnd(text: string, from: number): number {
  for (;;) {
    // Strings are most of a body: skip them with the built-in search, not char by char.
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

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
