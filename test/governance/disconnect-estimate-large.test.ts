/**
 * A large estimate is counted a slice per turn of the event loop, to the same number: a stream
 * that ends without usage (a client hanging up) on an agent-sized prompt used to be counted at
 * once, holding the loop and every request in flight for tens of milliseconds.
 */
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import {
  COUNT_SLICE_CHARS,
  DeliveredOutput,
  estimateInputTokens,
  estimateUsage,
  promptParts,
} from '../../gateway/engine/delivered.ts';
import { countingSlices, tokenCounter } from '../../gateway/pricing/tokenize.ts';

/** Pieces of what prompts hold: prose, code, numbers, CJK, emoji, runs of spaces and newlines. */
const PIECES = [
  'The budget resets monthly, and it’s shared by every team under the customer.',
  "Don't retry a 402: the reservation was refused, not the request.",
  '  if (usage === undefined) {\n    return estimate(body);\n  }\n',
  'function settle(a,b){return a+b}',
  '2,048 tokens at $0.15 / 1M = $0.0003072',
  '予算は毎月リセットされます。チームごとに共有されます。',
  'Ünïcödé wörds, naïve café façade — «quoted» text.',
  '🚀 launch 🚀🚀 then   three spaces\tand a tab',
  '\n\n\n',
  'https://api.example.com/v1/chat/completions?api-version=2024-10-21',
  'aGVsbG8gd29ybGQ'.repeat(40),
  'x',
  ' leading space',
  'trailing space ',
];

/** A deterministic mix of PIECES, `chars` long or a little more. */
function corpus(seed: number, chars: number): string {
  let state = seed;
  const out: string[] = [];
  let length = 0;
  while (length < chars) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const piece = PIECES[state % PIECES.length]!;
    const joint = [' ', '', '\n', '. '][(state >> 8) % 4]!;
    out.push(piece, joint);
    length += piece.length + joint.length;
  }
  return out.join('');
}

describe('counting in slices', () => {
  it('cuts only where the count is unchanged, for both encodings, and keeps every character', () => {
    for (const seed of [1, 2, 3]) {
      const parts = [corpus(seed, 40_000), 'short part', corpus(seed + 10, 9_000)];
      for (const size of [64, 500, 4_096]) {
        const slices = countingSlices(parts, size);
        // Cuts are made (a 600-character base64 run in the mix has nowhere to cut).
        expect(slices.length).toBeGreaterThan(parts.join('').length / size / 4);
        expect(slices.flat().join('')).toBe(parts.join(''));
        for (const encoding of [o200k, cl100k]) {
          const whole = parts.reduce((sum, part) => sum + encoding(part), 0);
          const sliced = slices.reduce(
            (sum, slice) => sum + slice.reduce((n, piece) => n + encoding(piece), 0),
            0,
          );
          expect(sliced).toBe(whole);
        }
      }
    }
  });

  it('keeps a stretch with nowhere to cut in one slice', () => {
    const blob = 'QUJD'.repeat(5_000);
    expect(countingSlices([blob], 1_000)).toEqual([[blob]]);
  });
});

describe('a large estimate', () => {
  const body = {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: corpus(7, 30_000) },
      { role: 'user', content: corpus(8, 120_000) },
    ],
  };
  const delivered = new DeliveredOutput('chat');
  delivered.add(
    undefined,
    JSON.stringify({ choices: [{ index: 0, delta: { content: corpus(9, 20_000) } }] }),
  );

  it('gives the event loop back between slices and comes to the count made at once', async () => {
    const count = tokenCounter('gpt-4o');
    const expectedInput = estimateInputTokens(body, promptParts(body), count);
    const expectedOutput = count(delivered.text());

    let turnsTaken = 0;
    const ticking = setInterval(() => turnsTaken++, 0);
    const usage = estimateUsage(body, delivered, 'gpt-4o', undefined);
    expect(usage).toBeInstanceOf(Promise);
    const counted = await usage;
    clearInterval(ticking);
    // 170 KB in 16 KB slices: timers ran between them, so no single stretch held the loop.
    expect(turnsTaken).toBeGreaterThan(0);
    expect(counted).toEqual({
      inputTokens: expectedInput,
      outputTokens: expectedOutput,
      totalTokens: expectedInput + expectedOutput,
      estimated: true,
    });
  });

  it('is counted at once below the slice, and for families counted by characters', () => {
    const small = {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: corpus(4, COUNT_SLICE_CHARS / 2) }],
    };
    expect(estimateUsage(small, new DeliveredOutput('chat'), 'gpt-4o', undefined)).not.toBeInstanceOf(
      Promise,
    );
    expect(estimateUsage(body, delivered, 'claude-sonnet-4-5', undefined)).not.toBeInstanceOf(Promise);
  });
});
