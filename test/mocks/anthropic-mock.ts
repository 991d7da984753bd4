/**
 * A loopback Anthropic Messages API. Requests are checked against the documented shape
 * (`x-api-key`, `anthropic-version`, `model`, `max_tokens`, user/assistant turns of typed
 * content blocks); answers follow the documentation's examples: a text message, a `get_weather`
 * tool use when tools are offered and no tool result came back yet, the SSE event sequence
 * (`message_start` … `ping` … `message_stop`), `count_tokens`, `GET /v1/models` (paged by
 * `limit` and `after_id`, as documented), and the error envelope.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, startHttpMock, type HttpMock, type Recorded } from './http-mock.ts';

export const ANTHROPIC_TEXT = 'Hi! My name is Claude.';
export const WEATHER_TEXT = 'The weather in San Francisco is 15 degrees Celsius.';
export const TOOL_USE = {
  type: 'tool_use',
  id: 'toolu_01A09q90qw90lq917835lq9',
  name: 'get_weather',
  input: { location: 'San Francisco, CA', unit: 'celsius' },
};
/** Usage of every answer: 25 uncached input, 10 written to and 100 read from the cache. */
export const ANTHROPIC_USAGE = {
  input_tokens: 25,
  cache_creation_input_tokens: 10,
  cache_read_input_tokens: 100,
  output_tokens: 15,
};

const BLOCK_TYPES = new Set([
  'text',
  'image',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
  'document',
]);

export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

/** The first problem with a Messages request, or undefined. */
function invalid(request: Recorded, countOnly: boolean): string | undefined {
  const { body, headers } = request;
  if (typeof headers['x-api-key'] !== 'string') return 'x-api-key header is required';
  if (headers['anthropic-version'] !== '2023-06-01') return 'anthropic-version header is required';
  if (typeof body.model !== 'string') return 'model: Field required';
  if (!countOnly && typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required';
  for (const message of body.messages as Array<Record<string, unknown>>) {
    if (message.role !== 'user' && message.role !== 'assistant')
      return `messages: unexpected role ${String(message.role)}`;
    if (typeof message.content === 'string') continue;
    if (!Array.isArray(message.content)) return 'messages.content: Input should be a valid list';
    for (const block of message.content as Array<Record<string, unknown>>)
      if (!BLOCK_TYPES.has(String(block.type)))
        return `messages.content: unknown block type ${String(block.type)}`;
  }
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system))
    return 'system: Input should be a valid string or list';
  return undefined;
}

export function wantsTool(body: Record<string, unknown>): boolean {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return false;
  const messages = body.messages as Array<Record<string, unknown>>;
  const last = messages[messages.length - 1]!;
  const blocks = Array.isArray(last.content) ? (last.content as Array<Record<string, unknown>>) : [];
  return !blocks.some((block) => block.type === 'tool_result');
}

export function anthropicMessage(model: string, tool: boolean, overrides: Record<string, unknown>) {
  const content = tool
    ? [{ type: 'text', text: "I'll check the current weather in San Francisco for you." }, TOOL_USE]
    : [{ type: 'text', text: ANTHROPIC_TEXT }];
  return {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: tool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: ANTHROPIC_USAGE,
    ...overrides,
  };
}

type Event = readonly [string, Record<string, unknown>];

export function anthropicStreamEvents(
  model: string,
  tool: boolean,
  overrides: Record<string, unknown>,
): Event[] {
  const start = {
    ...anthropicMessage(model, tool, {}),
    content: [],
    stop_reason: null,
    usage: { ...ANTHROPIC_USAGE, output_tokens: 1 },
  };
  const events: Event[] = [
    ['message_start', { type: 'message_start', message: start }],
    [
      'content_block_start',
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ],
    ['ping', { type: 'ping' }],
  ];
  const text = tool ? "I'll check the weather." : ANTHROPIC_TEXT;
  for (const piece of text.match(/\S+\s*/g) ?? [])
    events.push([
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } },
    ]);
  events.push(['content_block_stop', { type: 'content_block_stop', index: 0 }]);
  if (tool) {
    const block = { type: 'tool_use', id: TOOL_USE.id, name: TOOL_USE.name, input: {} };
    events.push(['content_block_start', { type: 'content_block_start', index: 1, content_block: block }]);
    for (const partial_json of ['{"location": "San Fra', 'ncisco, CA", "unit": "celsius"}'])
      events.push([
        'content_block_delta',
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json } },
      ]);
    events.push(['content_block_stop', { type: 'content_block_stop', index: 1 }]);
  }
  const stop = overrides.stop_reason ?? (tool ? 'tool_use' : 'end_turn');
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: ANTHROPIC_USAGE.output_tokens },
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

/** What `GET /v1/models` lists unless a test sets `models`. */
export const ANTHROPIC_MODELS = [
  'claude-3-5-haiku-20241022',
  'claude-3-7-sonnet-20250219',
  'claude-sonnet-4-20250514',
];

/** One page of `GET /v1/models`: `limit` (1–1000, default 20) entries after `after_id`. */
function modelPage(request: Recorded, models: readonly string[]) {
  const query = new URLSearchParams(request.url.split('?')[1] ?? '');
  const limit = Math.min(Math.max(Number(query.get('limit') ?? 20) || 20, 1), 1000);
  const after = query.get('after_id');
  const start = after === null ? 0 : models.indexOf(after) + 1;
  const ids = models.slice(start, start + limit);
  const data = ids.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-02-19T00:00:00Z' }));
  return {
    data,
    has_more: start + limit < models.length,
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
  };
}

export interface AnthropicMock extends HttpMock {
  /** Model ids `GET /v1/models` lists (settable; `reset` restores ANTHROPIC_MODELS). */
  models: string[];
  /** Fields merged into the next answers (e.g. `stop_reason`). */
  overrides: Record<string, unknown>;
  /** The next stream breaks after `n` events with an `error` event. */
  errorAfter: number | undefined;
}

export async function startAnthropicMock(): Promise<AnthropicMock> {
  // The handler reads the settings from the mock object itself, so tests can assign them.
  type Settings = Pick<AnthropicMock, 'overrides' | 'errorAfter' | 'models'>;
  const state: Settings = { overrides: {}, errorAfter: undefined, models: [...ANTHROPIC_MODELS] };
  let self: Settings = state;
  const handle = (request: Recorded, res: ServerResponse): void => {
    if (request.method === 'GET' && request.path.endsWith('/v1/models')) {
      if (typeof request.headers['x-api-key'] !== 'string')
        return sendJson(res, 401, anthropicError('authentication_error', 'x-api-key header is required'));
      return sendJson(res, 200, modelPage(request, self.models));
    }
    const countOnly = request.path.endsWith('/v1/messages/count_tokens');
    if (!countOnly && !request.path.endsWith('/v1/messages'))
      return sendJson(res, 404, anthropicError('not_found_error', `no route ${request.path}`));
    const problem = invalid(request, countOnly);
    if (problem) return sendJson(res, 400, anthropicError('invalid_request_error', problem));
    if (countOnly) return sendJson(res, 200, { input_tokens: 2095 });
    const model = String(request.body.model);
    const tool = wantsTool(request.body);
    if (request.body.stream !== true)
      return sendJson(res, 200, anthropicMessage(model, tool, self.overrides));
    let events = anthropicStreamEvents(model, tool, self.overrides);
    if (self.errorAfter !== undefined) {
      events = events.slice(0, self.errorAfter);
      events.push(['error', anthropicError('overloaded_error', 'Overloaded')]);
      self.errorAfter = undefined;
    }
    sendSse(res, events);
  };
  const mock = await startHttpMock(handle);
  const reset = mock.reset;
  const result: AnthropicMock = Object.assign(mock, state, {
    reset() {
      reset();
      result.overrides = {};
      result.errorAfter = undefined;
      result.models = [...ANTHROPIC_MODELS];
    },
  });
  self = result;
  return result;
}
