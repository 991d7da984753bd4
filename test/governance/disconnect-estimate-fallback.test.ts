/**
 * A large hang-up estimate is counted in slices, in a promise the stream's settlement waits on.
 * If the tokenizer throws part-way (a corrupt table, a bug in a new encoding), that promise must
 * still resolve, to the documented approximation (characters ÷ 4), so the delivered stream is
 * charged something rather than settling on nothing, or never.
 */
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Tokenize from '../../gateway/pricing/tokenize.ts';

const tokenizer = vi.hoisted(() => ({ failAfter: Infinity, calls: 0 }));

vi.mock('../../gateway/pricing/tokenize.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Tokenize>();
  return {
    ...real,
    // The real counter, which throws once it has counted `failAfter` slices.
    tokenCounter: (...models: Array<string | undefined>) => {
      const counter = real.tokenCounter(...models);
      const failing = (parts: readonly string[]) => {
        tokenizer.calls++;
        if (tokenizer.calls > tokenizer.failAfter) throw new Error('tokenizer table corrupt');
        return counter(parts);
      };
      return Object.assign(failing, { additive: counter.additive });
    },
  };
});

const { COUNT_SLICE_CHARS, DeliveredOutput, estimateUsage } =
  await import('../../gateway/engine/delivered.ts');

const WORDS = 'the budget resets monthly and is shared by every team under the customer ';

function largeRequest(): { body: { model: string; messages: unknown[] }; promptChars: number } {
  const content = WORDS.repeat(Math.ceil((COUNT_SLICE_CHARS * 3) / WORDS.length));
  return {
    body: { model: 'gpt-4o', messages: [{ role: 'user', content }] },
    promptChars: content.length,
  };
}

function delivered(text: string): InstanceType<typeof DeliveredOutput> {
  const output = new DeliveredOutput('chat');
  output.add(undefined, JSON.stringify({ choices: [{ index: 0, delta: { content: text } }] }));
  return output;
}

afterEach(() => {
  tokenizer.failAfter = Infinity;
  tokenizer.calls = 0;
});

describe('hang-up estimate when the tokenizer throws', () => {
  it('counts with the tokenizer while it works (a figure the approximation below does not give)', async () => {
    const { body, promptChars } = largeRequest();
    const output = 'Hello there, how can I help?';
    const usage = await estimateUsage(body, delivered(output), 'gpt-4o', undefined);
    const content = (body.messages[0] as { content: string }).content;
    expect(usage.inputTokens).toBe(o200k(content) + 6);
    expect(usage.outputTokens).toBe(o200k(output));
    expect(usage.inputTokens).not.toBe(Math.ceil(promptChars / 4) + 6);
    // Counted in slices: the prompt is three slices' worth.
    expect(tokenizer.calls).toBeGreaterThan(3);
  });

  it('resolves to characters ÷ 4 (plus framing) when a slice throws, and never rejects', async () => {
    const { body, promptChars } = largeRequest();
    const output = 'Hello there, how can I help?';
    tokenizer.failAfter = 1;
    const result = estimateUsage(body, delivered(output), 'gpt-4o', undefined);
    expect(result).toBeInstanceOf(Promise);
    const usage = await result;
    // 1 message × 3 framing tokens + 3 for the reply's priming.
    expect(usage).toEqual({
      inputTokens: Math.ceil(promptChars / 4) + 6,
      outputTokens: Math.ceil(output.length / 4),
      totalTokens: Math.ceil(promptChars / 4) + 6 + Math.ceil(output.length / 4),
      estimated: true,
    });
    expect(usage.inputTokens).toBeGreaterThan(0);
  });
});
