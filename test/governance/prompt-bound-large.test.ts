/**
 * A strict budget's prompt bound for a large body: past PROMPT_BOUND_FROM_BODY_BYTES the raw
 * body's length stands in for the UTF-8 byte count of its text (which cost ~100 µs per agent-sized
 * request), and it must still bound that count, escapes, multi-byte text and tools included; a
 * body that is not valid UTF-8 (a stray byte decodes to three) and a small body are counted.
 */
import { describe, expect, it } from 'vitest';
import { PROMPT_BOUND_FROM_BODY_BYTES, promptTokenBound } from '../../gateway/governance/prices.ts';
import type { JsonObject } from '../../gateway/core/types.ts';
import { promptBytes } from '../../gateway/util/prompt-text.ts';

const PIECES = ['plain words ', 'naïve — “quoted” 東京 🚀 ', 'line\nbreak\t"quote" \\ ', '\u0001\u001f '];

function bodyOf(chars: number, seed: number): JsonObject {
  const messages = [];
  for (let i = 0; i < 12; i++) {
    let content = '';
    while (content.length < chars / 12) content += PIECES[(seed + content.length + i) % PIECES.length];
    messages.push({ role: i % 2 ? 'assistant' : 'user', content });
  }
  return {
    model: 'gpt-4o',
    messages,
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
  };
}

/** The bound with the text counted, as for a body without raw bytes. */
const counted = (body: JsonObject) => promptTokenBound(body);

describe('strict prompt bound of a large body', () => {
  it('uses the raw length past the threshold, and it still bounds the counted text', () => {
    for (const seed of [0, 1, 2, 3]) {
      const body = bodyOf(120_000, seed);
      for (const raw of [
        Buffer.from(JSON.stringify(body)),
        Buffer.from(JSON.stringify(body, null, 2)),
        // Non-ASCII written as escapes, as Python's json.dumps sends it.
        Buffer.from(
          JSON.stringify(body).replace(
            /[\u0080-\uffff]/g,
            (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
          ),
        ),
      ]) {
        expect(raw.length).toBeGreaterThan(PROMPT_BOUND_FROM_BODY_BYTES);
        expect(JSON.parse(raw.toString('utf8'))).toEqual(body);
        const fast = promptTokenBound(body, raw);
        expect(fast).toBe(counted(body) - promptBytes(body) + raw.length);
        expect(fast).toBeGreaterThanOrEqual(counted(body));
      }
    }
  });

  it('counts the text of a small body, and of one that is not valid UTF-8', () => {
    const small = bodyOf(10_000, 0);
    expect(promptTokenBound(small, Buffer.from(JSON.stringify(small)))).toBe(counted(small));

    // 40,000 stray 0xff bytes inside a string: 40 KB raw, 120 KB once decoded (U+FFFD each).
    const text = JSON.stringify(bodyOf(70_000, 1));
    const stray = Buffer.concat([
      Buffer.from(text.slice(0, text.indexOf('"content":"') + 11)),
      Buffer.alloc(40_000, 0xff),
      Buffer.from(text.slice(text.indexOf('"content":"') + 11)),
    ]);
    const decoded = JSON.parse(stray.toString('utf8')) as JsonObject;
    expect(promptBytes(decoded)).toBeGreaterThan(stray.length);
    expect(promptTokenBound(decoded, stray)).toBe(counted(decoded));
  });
});
