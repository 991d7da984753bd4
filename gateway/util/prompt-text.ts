/** The text a request sends to the model, flattened (messages, prompt or input). */
import type { JsonObject } from '../core/types.ts';
import { isJsonObject } from '../core/types.ts';

function collect(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, out);
  } else if (isJsonObject(value)) {
    if (typeof value.text === 'string') out.push(value.text);
    else if (value.content !== undefined) collect(value.content, out);
  }
}

export function promptText(body: JsonObject): string {
  const out: string[] = [];
  collect(body.messages ?? body.prompt ?? body.input, out);
  return out.join('\n');
}

/** A rough token estimate (4 characters per token) for mocked usage. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** How many image parts a request's messages (or Responses `input`) carry, at any depth. */
export function countImages(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, item) => n + countImages(item), 0);
  if (!isJsonObject(value)) return 0;
  const type = value.type;
  if (type === 'image_url' || type === 'input_image' || type === 'image') return 1;
  return countImages(value.content);
}
