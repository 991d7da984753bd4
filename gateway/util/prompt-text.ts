/** The text a request sends to the model, flattened (messages, prompt or input). */
import type { JsonObject } from '../core/types.ts';
import { isJsonObject } from '../core/types.ts';

/** Calls `each` with every text part of `value`, in order. */
function eachText(value: unknown, each: (text: string) => void): void {
  if (typeof value === 'string') {
    each(value);
  } else if (Array.isArray(value)) {
    for (const item of value) eachText(item, each);
  } else if (isJsonObject(value)) {
    if (typeof value.text === 'string') each(value.text);
    else if (value.content !== undefined) eachText(value.content, each);
  }
}

export function promptText(body: JsonObject): string {
  const out: string[] = [];
  eachText(body.messages ?? body.prompt ?? body.input, (text) => out.push(text));
  return out.join('\n');
}

/**
 * `Buffer.byteLength(promptText(body))` without building the text: a strict budget bounds every
 * request's prompt by it, and joining the parts only to measure them cost a copy of the prompt.
 */
export function promptBytes(body: JsonObject): number {
  let bytes = 0;
  let parts = 0;
  eachText(body.messages ?? body.prompt ?? body.input, (text) => {
    bytes += Buffer.byteLength(text);
    parts++;
  });
  // The parts are joined by one '\n' each.
  return parts === 0 ? 0 : bytes + parts - 1;
}

/** A rough token estimate (4 characters per token) for mocked usage. */
export function estimateTokens(text: string): number {
  return tokensOfChars(text.length);
}

/** estimateTokens of text `chars` characters long. */
export function tokensOfChars(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/** Characters of `parts` together (their join's length, without joining them). */
export function totalChars(parts: readonly string[]): number {
  let chars = 0;
  for (const part of parts) chars += part.length;
  return chars;
}

/** How many image parts a request's messages (or Responses `input`) carry, at any depth. */
export function countImages(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, item) => n + countImages(item), 0);
  if (!isJsonObject(value)) return 0;
  const type = value.type;
  if (type === 'image_url' || type === 'input_image' || type === 'image') return 1;
  return countImages(value.content);
}
