/**
 * Pieces shared by the scans that read JSON text without parsing it (the request body's depth
 * check, the top-level member finder): character codes and the string skipper.
 */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;

/** Index of the quote closing the string whose content starts at `from`; -1 when unterminated. */
export function stringEnd(text: string, from: number): number {
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
