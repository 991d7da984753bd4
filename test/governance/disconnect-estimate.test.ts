/**
 * The delivered estimate's parts: which tokenizer a model family gets (o200k_base, cl100k_base,
 * or the documented approximation), what a stream's relayed events count as output, and the
 * prompt's input estimate staying within the strict reservation's prompt bound.
 */
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { promptTokenBound } from '../../gateway/governance/prices.ts';
import { hasTokenizer, tokenCounter } from '../../gateway/pricing/tokenize.ts';
import { DeliveredOutput, estimateUsage } from '../../gateway/engine/delivered.ts';

const TEXT = 'Budgets hold only if every stream is charged for what it delivered, 2,048 tokens or 7.';

describe('token counters by model family', () => {
  it('OpenAI families get their real encoding, per relayed part', () => {
    for (const model of [
      'gpt-4o',
      'gpt-4.1-mini',
      'gpt-5',
      'o3-mini',
      'ft:gpt-4o-mini:acme::x',
      'openai/gpt-4o',
    ])
      expect(tokenCounter(model)([TEXT, ' and more'])).toBe(o200k(TEXT) + o200k(' and more'));
    for (const model of ['gpt-4-turbo', 'gpt-3.5-turbo', 'text-embedding-3-small'])
      expect(tokenCounter(model)([TEXT])).toBe(cl100k(TEXT));
  });

  it('a deployment name falls back to the upstream model id', () => {
    expect(hasTokenizer('my-deployment')).toBe(false);
    expect(tokenCounter('my-deployment', 'gpt-4o')([TEXT])).toBe(o200k(TEXT));
  });

  it('text spelling a special token is counted as text, not refused', () => {
    expect(tokenCounter('gpt-4o')(['<|endoftext|>'])).toBeGreaterThan(1);
  });

  it('other families: max(chars / per-family ratio, bytes / 4), rounded up over the whole text', () => {
    const parts = ['Hello', ' world', '!'];
    expect(tokenCounter('claude-sonnet-4-5')(parts)).toBe(Math.ceil(12 / 3.5));
    expect(tokenCounter('us.anthropic.claude-3-5-sonnet')(parts)).toBe(Math.ceil(12 / 3.5));
    expect(tokenCounter('gemini-2.5-pro')(parts)).toBe(Math.ceil(12 / 4));
    expect(tokenCounter('llama-3.3-70b-versatile')(parts)).toBe(Math.ceil(12 / 3.5));
    // Multi-byte scripts: the byte term (9 bytes / 4) wins over 3 chars / 3.5.
    expect(tokenCounter('claude-sonnet-4-5')(['日本語'])).toBe(3);
  });
});

describe('what a stream relayed', () => {
  const chunk = (delta: Record<string, unknown>) =>
    JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta }] });

  it('counts content, reasoning, refusal and tool-call names and arguments; not roles or usage', () => {
    const delivered = new DeliveredOutput('chat');
    delivered.add(undefined, chunk({ role: 'assistant', content: '' }));
    delivered.add(undefined, chunk({ content: 'Hi' }));
    delivered.add(undefined, chunk({ reasoning_content: 'think' }));
    delivered.add(undefined, chunk({ refusal: 'no' }));
    delivered.add(
      undefined,
      chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{"a"' } }] }),
    );
    delivered.add(undefined, JSON.stringify({ choices: [], usage: { prompt_tokens: 1 } }));
    expect(delivered.text()).toEqual(['Hi', 'think', 'no', 'f', '{"a"']);
  });

  it('Responses API: text and argument deltas, by event name', () => {
    const delivered = new DeliveredOutput('responses');
    delivered.add('response.created', JSON.stringify({ response: {} }));
    delivered.add('response.output_text.delta', JSON.stringify({ delta: 'Hello' }));
    delivered.add('response.function_call_arguments.delta', JSON.stringify({ delta: '{}' }));
    delivered.add('response.audio.delta', JSON.stringify({ delta: 'AAAA' }));
    expect(delivered.text()).toEqual(['Hello', '{}']);
  });

  it('a long stream is folded to its text as it goes and loses nothing', () => {
    const delivered = new DeliveredOutput('chat');
    for (let i = 0; i < 5_000; i++) delivered.add(undefined, chunk({ content: ` w${i}` }));
    expect(delivered.text().length).toBe(5_000);
    expect(delivered.text()[4_999]).toBe(' w4999');
  });

  it('the prompt estimate stays within the strict reservation’s prompt bound', async () => {
    const body = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: TEXT },
            { type: 'image_url', image_url: { url: 'x' } },
          ],
        },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    };
    const usage = await estimateUsage(body, new DeliveredOutput('chat'), 'gpt-4o', undefined);
    expect(usage.estimated).toBe(true);
    expect(usage.inputTokens).toBeGreaterThan(o200k(TEXT));
    expect(usage.inputTokens).toBeLessThanOrEqual(promptTokenBound(body));
  });
});
