/** The strict prompt bound's byte count is the joined prompt's, without the prompt being joined. */
import { describe, expect, it } from 'vitest';
import { promptBytes, promptText } from '../../gateway/util/prompt-text.ts';
import type { JsonObject } from '../../gateway/core/types.ts';

const bodies: JsonObject[] = [
  { messages: [{ role: 'user', content: 'héllo ✓ 🎉' }] },
  {
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'a' }, { type: 'image_url', image_url: {} }, 'b'] },
      { role: 'user', content: '' },
    ],
  },
  { prompt: '' },
  { prompt: ['x', 'yz'] },
  { input: [{ content: [] }] },
  { input: 'ü' },
  { messages: [] },
  {},
];

describe('promptBytes', () => {
  it('is the UTF-8 length of promptText for every body shape', () => {
    for (const body of bodies) expect(promptBytes(body)).toBe(Buffer.byteLength(promptText(body)));
  });
});
