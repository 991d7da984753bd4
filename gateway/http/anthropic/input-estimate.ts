/**
 * The input-token estimate a translated stream's `message_start` carries. Anthropic's own
 * `message_start` has the real input count, but a provider speaking OpenAI's format reports usage
 * only at the end (then the real count goes into `message_delta.usage`), and 0 would read as a
 * free prompt to anything that looks only at the start. The estimate is the one Heimdall charges
 * a stream that ends without usage (engine/delivered.ts: the model family's tokenizer plus
 * message framing); counting starts when the request is parsed, and if it is not done when the
 * first event is written, or the prompt is past COUNTED_PROMPT_CHARS, characters ÷ 4 rounded up
 * (over prompt and tools) stands in.
 */
import { estimateInputTokens, promptParts } from '../../engine/delivered.ts';
import type { JsonObject } from '../../core/types.ts';
import { tokenCounter } from '../../pricing/tokenize.ts';
import { tokensOfChars, totalChars } from '../../util/prompt-text.ts';

/**
 * Prompt and tool text past which `message_start` carries characters ÷ 4 instead of the
 * tokenizer's count. The count is synchronous JavaScript on the event loop, per stream: with
 * o200k_base ~0.2 ms for 8 KB, but ~26 ms for a 420 KB (~99k-token) prompt, an agent's usual
 * context, holding up every request in flight each time. The figure is shown, never charged:
 * `message_delta` carries the provider's real count, and a stream that ends without one is
 * charged from a count of its own (engine/delivered.ts), which `message_delta` then states (see
 * stream-encoder.ts). Up to this size the count takes ≲1 ms.
 */
export const COUNTED_PROMPT_CHARS = 32 * 1024;

export class InputEstimate {
  private counted: number | undefined = undefined;
  private readonly roughCount: number;

  constructor(canonical: JsonObject) {
    // Built once: its length decides, and the count (when made) reads the same parts. Not joined:
    // a copy of an agent's prompt only to measure it.
    const prompt = promptParts(canonical);
    const chars = totalChars(prompt);
    this.roughCount = tokensOfChars(chars);
    if (chars > COUNTED_PROMPT_CHARS) return;
    const model = typeof canonical.model === 'string' ? canonical.model : '';
    // Deferred to a microtask (the request's I/O comes after it); a failure keeps the rough count:
    // an estimate is never worth failing a request over.
    Promise.resolve()
      .then(() => estimateInputTokens(canonical, prompt, tokenCounter(model)))
      .then(
        (tokens) => void (this.counted = tokens),
        () => undefined,
      );
  }

  get tokens(): number {
    return this.counted ?? this.roughCount;
  }
}
