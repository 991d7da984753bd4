/**
 * What a stream relayed to its client, kept so that a stream ending without provider usage (the
 * client hung up, the provider cut it, or it never sends usage) is charged what was delivered
 * rather than nothing. Counted: content, refusal and reasoning deltas, tool-call names and
 * arguments (chat and legacy completions), and the text deltas of the Responses API.
 *
 * Events are kept raw and parsed only when needed: most streams end with usage, and parsing every
 * chunk would cost each of them a JSON.parse per token. Past FOLD_CHARS of raw events the held
 * ones are reduced to their delivered text, so a long stream holds its text, not its JSON.
 */
import { countingSlices, tokenCounter, type TokenCounter } from '../pricing/tokenize.ts';
import type { JsonObject, Operation, Usage } from '../core/types.ts';
import { isJsonObject, parseJsonObject } from '../core/types.ts';
import { countImages, promptText, tokensOfChars, totalChars } from '../util/prompt-text.ts';
import { SseParser } from '../providers/sse-parser.ts';

/** Raw event characters held before they are reduced to their text. */
const FOLD_CHARS = 64 * 1024;
/** Role and framing tokens per chat message, and the reply's priming (OpenAI's published rule). */
const MESSAGE_TOKENS = 3;
const REPLY_PRIMING_TOKENS = 3;
/** An image part, as a 1024×1024 high-detail image costs on OpenAI (85 + 4 × 170 tokens). */
const IMAGE_TOKENS = 765;

function pushString(value: unknown, out: string[]): void {
  if (typeof value === 'string' && value !== '') out.push(value);
}

function pushCall(call: unknown, out: string[]): void {
  if (!isJsonObject(call)) return;
  const fn = isJsonObject(call.function) ? call.function : call;
  pushString(fn.name, out);
  pushString(fn.arguments, out);
}

/** The parts of one chat/completions chunk that reach the reader. */
function chunkParts(payload: JsonObject, out: string[]): void {
  if (!Array.isArray(payload.choices)) return;
  for (const choice of payload.choices) {
    if (!isJsonObject(choice)) continue;
    pushString(choice.text, out);
    const delta = choice.delta;
    if (!isJsonObject(delta)) continue;
    pushString(delta.content, out);
    pushString(delta.refusal, out);
    pushString(delta.reasoning_content, out);
    pushString(delta.reasoning, out);
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) pushCall(call, out);
    pushCall(delta.function_call, out);
  }
}

/** Responses API: every `*.delta` event with text (output text, refusal, arguments, reasoning). */
function responsesParts(event: string | undefined, payload: JsonObject, out: string[]): void {
  if (event === undefined || !event.endsWith('.delta') || event.includes('audio')) return;
  pushString(payload.delta, out);
}

export class DeliveredOutput {
  private readonly parts: string[] = [];
  /** Event data, or a chunk of whole `data:` events as the provider's bytes (addChunk). */
  private held: Array<string | Buffer> = [];
  private heldEvents: Array<string | undefined> = [];
  private heldChars = 0;

  constructor(private readonly operation: Operation) {}

  /** An event that was written to the client. */
  add(event: string | undefined, data: string): void {
    this.held.push(data);
    this.heldEvents.push(event);
    this.heldChars += data.length;
    if (this.heldChars > FOLD_CHARS) this.fold();
  }

  /**
   * Whole `data:` events written to the client as the provider's bytes (the relay's fast path,
   * see wholeDataEvents), split into events only if they are ever needed. `[DONE]` is not output.
   */
  addChunk(events: Buffer): void {
    this.held.push(events);
    this.heldEvents.push(undefined);
    this.heldChars += events.length;
    if (this.heldChars > FOLD_CHARS) this.fold();
  }

  private addParts(event: string | undefined, data: string): void {
    const payload = parseJsonObject(data);
    if (!isJsonObject(payload)) return;
    if (this.operation === 'responses') responsesParts(event, payload, this.parts);
    else chunkParts(payload, this.parts);
  }

  private fold(): void {
    for (let i = 0; i < this.held.length; i++) {
      const held = this.held[i]!;
      if (typeof held === 'string') this.addParts(this.heldEvents[i], held);
      else
        new SseParser().push(held, {
          onEvent: (event, data) => {
            if (data !== '[DONE]') this.addParts(event, data);
          },
        });
    }
    this.held = [];
    this.heldEvents = [];
    this.heldChars = 0;
  }

  /** The delivered text, one part per delta. */
  text(): readonly string[] {
    this.fold();
    return this.parts;
  }
}

/** What of a request's prompt is counted as text: its text, and its tool definitions as JSON. */
export function promptParts(body: JsonObject): string[] {
  const prompt = [promptText(body)];
  if (body.tools !== undefined) prompt.push(JSON.stringify(body.tools));
  return prompt;
}

/** Input tokens of `body` besides its text: per-message framing and images. */
function framingAndImages(body: JsonObject): number {
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  const framing = messages > 0 ? messages * MESSAGE_TOKENS + REPLY_PRIMING_TOKENS : 0;
  return framing + countImages(body.messages ?? body.input) * IMAGE_TOKENS;
}

/** Input tokens of `body`: its prompt parts (promptParts) counted, per-message framing, images. */
export function estimateInputTokens(
  body: JsonObject,
  prompt: readonly string[],
  count: TokenCounter,
): number {
  return count(prompt) + framingAndImages(body);
}

/**
 * Characters a real tokenizer counts per turn of the event loop in a large estimate (~0.5–1 ms
 * with o200k_base). At once, an agent's 420 KB prompt held the loop, and every request in flight,
 * for ~14–26 ms on every stream that ended without usage (a client hanging up, most often).
 */
export const COUNT_SLICE_CHARS = 16 * 1024;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `count(parts)`, a slice per turn of the event loop (the same number: see countingSlices). */
async function countYielding(parts: readonly string[], count: TokenCounter): Promise<number> {
  let tokens = 0;
  for (const slice of countingSlices(parts, COUNT_SLICE_CHARS)) {
    await nextTurn();
    tokens += count(slice);
  }
  return tokens;
}

function usageOf(inputTokens: number, outputTokens: number): Usage {
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, estimated: true };
}

/**
 * Usage for a stream that ended without the provider's: the request's prompt (text, tool
 * definitions, per-message framing, images) and the output actually relayed, counted with the
 * model family's tokenizer (pricing/tokenize.ts). Marked `estimated`. Synchronous up to
 * COUNT_SLICE_CHARS of prompt and output together (and always for families without a public
 * tokenizer, whose approximation is a character count); past it the same count, a slice a turn,
 * in a promise that never rejects.
 */
export function estimateUsage(
  body: JsonObject,
  delivered: DeliveredOutput,
  model: string,
  upstreamModel: string | undefined,
): Usage | Promise<Usage> {
  const count = tokenCounter(model, upstreamModel);
  const prompt = promptParts(body);
  const output = delivered.text();
  if (!count.additive || totalChars(prompt) + totalChars(output) <= COUNT_SLICE_CHARS)
    return usageOf(estimateInputTokens(body, prompt, count), count(output));
  const overhead = framingAndImages(body);
  return Promise.all([countYielding(prompt, count), countYielding(output, count)]).then(
    ([promptTokens, outputTokens]) => usageOf(promptTokens + overhead, outputTokens),
    // Never rejects: the stream has been delivered and must be charged (characters ÷ 4).
    () => usageOf(tokensOfChars(totalChars(prompt)) + overhead, tokensOfChars(totalChars(output))),
  );
}
