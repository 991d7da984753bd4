/**
 * The input estimate of a translated `/anthropic` stream's `message_start`
 * (gateway/http/anthropic/input-estimate.ts): counted with the model family's tokenizer for a
 * prompt of ordinary size, characters ÷ 4 past COUNTED_PROMPT_CHARS, where counting would hold
 * the event loop for tens of milliseconds on every such stream.
 */
import { describe, expect, it } from 'vitest';
import { DeliveredOutput, estimateUsage } from '../../gateway/engine/delivered.ts';
import { COUNTED_PROMPT_CHARS, InputEstimate } from '../../gateway/http/anthropic/input-estimate.ts';
import { estimateTokens, promptText } from '../../gateway/util/prompt-text.ts';

/** The counting runs in a microtask once the request is parsed: done by the next macrotask. */
const afterCounting = () => new Promise((resolve) => setTimeout(resolve, 0));

function streamOf(content: string) {
  return { model: 'gpt-4o', max_tokens: 100, stream: true, messages: [{ role: 'user', content }] };
}

/** What a stream ending without usage would be charged for this prompt: o200k_base plus framing. */
async function tokenizerCount(canonical: ReturnType<typeof streamOf>): Promise<number> {
  return (await estimateUsage(canonical, new DeliveredOutput('chat'), 'gpt-4o', undefined)).inputTokens;
}

describe('message_start input estimate', () => {
  it('counts a prompt of ordinary size with the model family tokenizer', async () => {
    const canonical = streamOf('Summarise the budgets of every team, one line each. '.repeat(40));
    const estimate = new InputEstimate(canonical);
    await afterCounting();
    // Distinguishable from the stand-in, so the assertion tells which one was used.
    expect(await tokenizerCount(canonical)).not.toBe(estimateTokens(promptText(canonical)));
    expect(estimate.tokens).toBe(await tokenizerCount(canonical));
  });

  it('gives a prompt past the limit characters ÷ 4, without counting it', async () => {
    const content = 'Summarise the budgets of every team, one line each. '.repeat(700);
    expect(content.length).toBeGreaterThan(COUNTED_PROMPT_CHARS);
    const canonical = streamOf(content);
    const estimate = new InputEstimate(canonical);
    await afterCounting();
    expect(await tokenizerCount(canonical)).not.toBe(estimateTokens(promptText(canonical)));
    expect(estimate.tokens).toBe(estimateTokens(promptText(canonical)));
  });
});
