/**
 * Canonical OpenAI bodies for mocked answers: chat completions, legacy completions, embeddings
 * and Responses, plain or as the SSE stream the real API would send (usage chunk included;
 * the stream finish drops it when the client did not ask).
 */
import { randomUUID } from 'node:crypto';
import { embeddingList } from '../../providers/translate/canonical.ts';
import type { JsonObject, Operation } from '../../core/types.ts';

export interface MockUsageCounts {
  prompt: number;
  completion: number;
  total: number;
}

/** Length of a mocked vector when the request asks for no `dimensions`. */
const EMBEDDING_DIMENSIONS = 8;
/** Longest mocked vector (OpenAI's largest model has 3,072), so a request cannot ask for gigabytes. */
const MAX_EMBEDDING_DIMENSIONS = 4096;

/** Splits text into word-sized pieces, spaces kept, so the stream concatenates back exactly. */
export function pieces(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
}

const sse = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;
const named = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const chatUsage = (u: MockUsageCounts) => ({
  prompt_tokens: u.prompt,
  completion_tokens: u.completion,
  total_tokens: u.total,
});

function dimensionsOf(request: JsonObject): number {
  const asked = request.dimensions;
  return typeof asked === 'number' && Number.isInteger(asked) && asked > 0
    ? Math.min(asked, MAX_EMBEDDING_DIMENSIONS)
    : EMBEDDING_DIMENSIONS;
}

/** Deterministic values that are exact in float32, so `float` and `base64` answers decode alike. */
function embedding(seed: number, dimensions: number): number[] {
  return Array.from({ length: dimensions }, (_, i) => Math.fround(Math.sin(seed + i)));
}

/** How many vectors an embeddings request asks for: one per string or token list in `input`. */
function inputCount(request: JsonObject): number {
  const input = request.input;
  return Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number' ? input.length : 1;
}

function responseObject(id: string, model: string, text: string, usage: MockUsageCounts, done: boolean) {
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: done ? 'completed' : 'in_progress',
    model,
    output: done
      ? [
          {
            type: 'message',
            id: `msg_${id}`,
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text, annotations: [] }],
          },
        ]
      : [],
    usage: done
      ? { input_tokens: usage.prompt, output_tokens: usage.completion, total_tokens: usage.total }
      : null,
  };
}

export function renderJson(
  operation: Operation,
  model: string,
  text: string,
  usage: MockUsageCounts,
  /** The canonical request (embeddings read `input`, `dimensions` and `encoding_format`). */
  request: JsonObject,
): unknown {
  const id = randomUUID();
  const created = Math.floor(Date.now() / 1000);
  switch (operation) {
    case 'chat':
      return {
        id: `chatcmpl-${id}`,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: chatUsage(usage),
      };
    case 'completions':
      return {
        id: `cmpl-${id}`,
        object: 'text_completion',
        created,
        model,
        choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }],
        usage: chatUsage(usage),
      };
    case 'embeddings': {
      const dimensions = dimensionsOf(request);
      const vectors = Array.from({ length: inputCount(request) }, (_, index) => embedding(index, dimensions));
      // The providers' shared builder, so `encoding_format: "base64"` packs as it does for them.
      return embeddingList(model, vectors, usage.prompt, request);
    }
    case 'responses':
      return responseObject(`resp_${id}`, model, text, usage, true);
  }
}

export function renderStream(
  operation: Operation,
  model: string,
  text: string,
  usage: MockUsageCounts,
): string {
  const id = randomUUID();
  const created = Math.floor(Date.now() / 1000);
  const parts = pieces(text);
  if (operation === 'responses') {
    const responseId = `resp_${id}`;
    let sequence = 0;
    const events = [
      named('response.created', {
        type: 'response.created',
        sequence_number: sequence++,
        response: responseObject(responseId, model, '', usage, false),
      }),
    ];
    for (const delta of parts) {
      events.push(
        named('response.output_text.delta', {
          type: 'response.output_text.delta',
          sequence_number: sequence++,
          item_id: `msg_${responseId}`,
          output_index: 0,
          content_index: 0,
          delta,
        }),
      );
    }
    events.push(
      named('response.completed', {
        type: 'response.completed',
        sequence_number: sequence,
        response: responseObject(responseId, model, text, usage, true),
      }),
    );
    return events.join('');
  }
  const chat = operation === 'chat';
  const base = chat
    ? { id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created, model }
    : { id: `cmpl-${id}`, object: 'text_completion', created, model };
  const choice = (piece: string, finish: string | null) =>
    chat
      ? { index: 0, delta: finish ? {} : { content: piece }, logprobs: null, finish_reason: finish }
      : { index: 0, text: piece, logprobs: null, finish_reason: finish };
  const events = chat
    ? [
        sse({
          ...base,
          choices: [
            { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
          ],
        }),
      ]
    : [];
  for (const piece of parts) events.push(sse({ ...base, choices: [choice(piece, null)] }));
  events.push(sse({ ...base, choices: [choice('', 'stop')] }));
  events.push(sse({ ...base, choices: [], usage: chatUsage(usage) }));
  events.push('data: [DONE]\n\n');
  return events.join('');
}
