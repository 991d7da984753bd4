/**
 * The input-token estimate a translated stream's `message_start` carries. Anthropic's own
 * `message_start` has the real input count, but a provider speaking OpenAI's format reports usage
 * only at the end (then the real count goes into `message_delta.usage`), and 0 would read as a
 * free prompt to anything that looks only at the start. The estimate is the one Heimdall charges
 * a stream that ends without usage (engine/delivered.ts: the model family's tokenizer plus
 * message framing); counting starts when the request is parsed, and if it is not done when the
 * first event is written, characters ÷ 4 rounded up (over prompt and tools) stands in.
 */
import { DeliveredOutput, estimateUsage } from '../../engine/delivered.ts';
import type { JsonObject } from '../../core/types.ts';
import { estimateTokens, promptText } from '../../util/prompt-text.ts';

export class InputEstimate {
  private counted: number | undefined = undefined;
  private readonly roughCount: number;

  constructor(canonical: JsonObject) {
    const tools = canonical.tools === undefined ? '' : JSON.stringify(canonical.tools);
    this.roughCount = estimateTokens(promptText(canonical) + tools);
    const model = typeof canonical.model === 'string' ? canonical.model : '';
    // Deferred to a microtask (the request's I/O comes after it); a failure keeps the rough count:
    // an estimate is never worth failing a request over.
    Promise.resolve()
      .then(() => estimateUsage(canonical, new DeliveredOutput('chat'), model, undefined))
      .then(
        (usage) => void (this.counted = usage.inputTokens),
        () => undefined,
      );
  }

  get tokens(): number {
    return this.counted ?? this.roughCount;
  }
}
