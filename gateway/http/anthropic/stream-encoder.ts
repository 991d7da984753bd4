/**
 * Canonical chat chunks → Anthropic's SSE events for clients of the `/anthropic` route:
 * `message_start`, one `content_block_*` run per text, thinking or tool-use block,
 * `message_delta` (stop reason and usage, from the usage chunk) and `message_stop` at `[DONE]`.
 * For providers that speak Anthropic natively the upstream events are passed through instead.
 *
 * Usage as Anthropic's current API reports it: `message_start` carries an input estimate (the
 * canonical provider's usage only comes at the end; see input-estimate.ts) and the final
 * `message_delta.usage` the real input, output and cache counts, which the Anthropic SDK's
 * `finalMessage()` takes over the start's. Without provider usage the delta carries the estimate
 * Heimdall charges for the stream (finalUsage: engine/delivered.ts), input and output, so what
 * the client reads is what it is charged, never a 0.
 */
import type { GatewayError } from '../../core/errors.ts';
import { AnthropicStreamDecoder } from '../../providers/anthropic/stream.ts';
import type { StreamDecoder } from '../../providers/adapter.ts';
import { formatEvent } from '../../providers/sse-parser.ts';
import type { JsonObject, Usage } from '../../core/types.ts';
import { isJsonObject, parseJsonObject } from '../../core/types.ts';
import type { ClientStreamEncoder } from '../../core/client-codec.ts';
import type { InputEstimate } from './input-estimate.ts';
import { anthropicErrorBody, anthropicUsage, stopReasonOf } from './response.ts';

const sse = (type: string, data: JsonObject): string => formatEvent(type, JSON.stringify({ type, ...data }));

export function errorEventText(error: GatewayError): string {
  return formatEvent('error', JSON.stringify(anthropicErrorBody(error)));
}

type BlockKind = 'text' | 'thinking' | 'tool';

export class AnthropicStreamEncoder implements ClientStreamEncoder {
  private started = false;
  private index = -1;
  private open: BlockKind | undefined = undefined;
  /** canonical tool call index → content block index */
  private readonly toolBlocks = new Map<number, number>();
  private stopReason = 'end_turn';
  private usage: unknown = undefined;
  /** What Heimdall charges when the provider sent no usage (finalUsage). */
  private estimated: Usage | undefined = undefined;

  constructor(private readonly inputEstimate?: InputEstimate) {}

  event(_event: string | undefined, data: string): string {
    if (data === '[DONE]') return this.finish();
    const chunk = parseJsonObject(data);
    if (!chunk) return '';
    if (isJsonObject(chunk.error))
      return formatEvent(
        'error',
        JSON.stringify({ type: 'error', error: { type: 'api_error', message: chunk.error.message } }),
      );
    let out = this.start(chunk);
    if (chunk.usage) this.usage = chunk.usage;
    const choice =
      Array.isArray(chunk.choices) && isJsonObject(chunk.choices[0]) ? chunk.choices[0] : undefined;
    if (!choice) return out;
    const delta = isJsonObject(choice.delta) ? choice.delta : {};
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '')
      out += this.delta('thinking', { type: 'thinking_delta', thinking: delta.reasoning_content });
    if (typeof delta.content === 'string' && delta.content !== '')
      out += this.delta('text', { type: 'text_delta', text: delta.content });
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) out += this.tool(call);
    if (typeof choice.finish_reason === 'string') this.stopReason = stopReasonOf(choice.finish_reason);
    return out;
  }

  error(error: GatewayError): string {
    return errorEventText(error);
  }

  finalUsage(usage: Usage): void {
    this.estimated = usage;
  }

  private start(chunk: JsonObject): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: typeof chunk.id === 'string' ? chunk.id : 'msg',
      type: 'message',
      role: 'assistant',
      model: chunk.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: this.inputEstimate?.tokens ?? 0,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    };
    return sse('message_start', { message });
  }

  private close(): string {
    if (this.open === undefined) return '';
    this.open = undefined;
    return sse('content_block_stop', { index: this.index });
  }

  private openBlock(kind: BlockKind, block: JsonObject): string {
    const out = this.close();
    this.index++;
    this.open = kind;
    return out + sse('content_block_start', { index: this.index, content_block: block });
  }

  private delta(kind: 'text' | 'thinking', delta: JsonObject): string {
    let out = '';
    if (this.open !== kind)
      out = this.openBlock(
        kind,
        kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '' },
      );
    return out + sse('content_block_delta', { index: this.index, delta });
  }

  private tool(call: unknown): string {
    if (!isJsonObject(call)) return '';
    const fn = isJsonObject(call.function) ? call.function : {};
    const position = typeof call.index === 'number' ? call.index : 0;
    let out = '';
    if (typeof call.id === 'string' && call.id !== '') {
      out = this.openBlock('tool', { type: 'tool_use', id: call.id, name: fn.name, input: {} });
      this.toolBlocks.set(position, this.index);
    }
    const block = this.toolBlocks.get(position);
    if (
      typeof fn.arguments === 'string' &&
      fn.arguments !== '' &&
      block === this.index &&
      this.open === 'tool'
    )
      out += sse('content_block_delta', {
        index: block,
        delta: { type: 'input_json_delta', partial_json: fn.arguments },
      });
    return out;
  }

  private finish(): string {
    const out = this.close();
    const estimated = this.estimated;
    const usage =
      this.usage !== undefined
        ? anthropicUsage(this.usage)
        : estimated !== undefined
          ? anthropicUsage({
              prompt_tokens: estimated.inputTokens,
              completion_tokens: estimated.outputTokens,
            })
          : { output_tokens: 0 };
    return (
      out +
      sse('message_delta', { delta: { stop_reason: this.stopReason, stop_sequence: null }, usage }) +
      sse('message_stop', {})
    );
  }
}

/** Pass-through: the provider's own Anthropic events, written as they came. */
export function nativeStream(): { decoder: StreamDecoder; encoder: ClientStreamEncoder } {
  let pending = '';
  const decoder = new AnthropicStreamDecoder((event, data) => {
    pending += formatEvent(event, data);
  });
  const encoder: ClientStreamEncoder = {
    event: () => {
      const out = pending;
      pending = '';
      return out;
    },
    error: (error) => {
      const out = pending;
      pending = '';
      return out.includes('event: error') ? out : out + errorEventText(error);
    },
  };
  return { decoder, encoder };
}
