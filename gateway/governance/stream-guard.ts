/**
 * Mid-stream cut-off for strict budgets (issue 5, item 9). Armed only when a stream was admitted
 * on less than its worst case. It keeps a running cost — exact when the provider streams usage,
 * otherwise the prompt bound plus the output delivered so far counted as one token per UTF-8
 * byte (an upper bound, so the cut comes early rather than late) — and ends the stream with an
 * error event before that cost would pass the reservation. What was delivered is charged: the
 * provider's usage when it came, else the relay's token estimate (charges.ts), never more than
 * was reserved. The byte count only decides the cut, so it comes early, never late.
 */
import { GatewayError } from '../core/errors.ts';
import { usageFromObject } from '../providers/usage.ts';
import type { Operation } from '../core/types.ts';
import { isJsonObject, parseJsonObject } from '../core/types.ts';
import { usageCost, worstCaseCost, type PriceHit } from './prices.ts';

/** Text a chunk delivers to the client (chat, completions, Responses deltas). */
function deliveredText(payload: unknown, event: string | undefined): string {
  if (!isJsonObject(payload)) return '';
  if (event === 'response.output_text.delta' && typeof payload.delta === 'string') return payload.delta;
  if (!Array.isArray(payload.choices)) return '';
  let text = '';
  for (const choice of payload.choices) {
    if (!isJsonObject(choice)) continue;
    if (typeof choice.text === 'string') text += choice.text;
    const delta = choice.delta;
    if (isJsonObject(delta) && typeof delta.content === 'string') text += delta.content;
  }
  return text;
}

export class StreamGuard {
  private outputBytes = 0;
  private exact: number | undefined;
  private cut = false;

  constructor(
    private readonly operation: Operation,
    private readonly hit: PriceHit,
    private readonly promptBound: number,
    /** Micro-dollars held for this stream on its tightest strict budget. */
    readonly reservation: number,
  ) {}

  private running(extraBytes: number): number {
    if (this.exact !== undefined) return this.exact;
    return worstCaseCost(this.hit, this.promptBound, this.outputBytes + extraBytes);
  }

  /** Called for each upstream event; an error means: end the stream now, do not forward this event. */
  readonly check = (event: string | undefined, data: string): GatewayError | undefined => {
    if (this.cut || data === '[DONE]') return undefined;
    const payload = parseJsonObject(data);
    if (isJsonObject(payload)) {
      const usage = usageFromObject(
        this.operation,
        payload.usage ?? (isJsonObject(payload.response) ? payload.response.usage : undefined),
      );
      if (usage) this.exact = usageCost(this.hit, usage);
    }
    const bytes = Buffer.byteLength(deliveredText(payload, event));
    if (this.running(bytes) <= this.reservation) {
      this.outputBytes += bytes;
      return undefined;
    }
    this.cut = true;
    return new GatewayError(
      402,
      'budget_exceeded',
      'budget_exhausted_mid_stream',
      'the stream was ended because its cost reached the remaining budget',
      { fallbackAllowed: false },
    );
  };

  /** The cost of the provider's usage when an event carried it (the cut one included). */
  exactMicros(): number | undefined {
    return this.exact;
  }

  /** What the delivered part costs by the byte bound, never more than was reserved. */
  chargedMicros(): number {
    return Math.min(this.reservation, this.running(0));
  }

  deliveredTokens(): number {
    return this.promptBound + this.outputBytes;
  }
}
