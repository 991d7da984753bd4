/**
 * A loopback Cohere v2 API: `/v2/chat` (plain and SSE with typed events) and `/v2/embed`.
 * Requests are checked against the documented shape (Bearer key, model, messages with
 * system/user/assistant/tool roles, v2 parameter names, input_type for embed); answers follow
 * the documentation's examples, including `tool_plan` + `tool_calls` when tools are offered.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, startHttpMock, type HttpMock, type Recorded } from './http-mock.ts';

export const COHERE_TEXT = 'LLMs stand for Large Language Models, which are a type of neural network model.';
export const COHERE_CALL = {
  id: 'get_weather_1byjy32y4hvq',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"location":"Toronto"}' },
};
export const COHERE_USAGE = {
  billed_units: { input_tokens: 5, output_tokens: 18 },
  tokens: { input_tokens: 71, output_tokens: 18 },
  cached_tokens: 0,
};

const ALLOWED = new Set([
  'model',
  'messages',
  'tools',
  'stream',
  'max_tokens',
  'temperature',
  'p',
  'k',
  'seed',
  'stop_sequences',
  'frequency_penalty',
  'presence_penalty',
  'response_format',
  'tool_choice',
  'strict_tools',
  'documents',
]);

function invalid(request: Recorded): string | undefined {
  const body = request.body;
  if (!String(request.headers.authorization ?? '').startsWith('Bearer ')) return 'no api key supplied';
  if (typeof body.model !== 'string') return 'invalid request: model must be a string';
  for (const name of Object.keys(body))
    if (!ALLOWED.has(name)) return `invalid request: unknown field: parameter ${name} is not a valid field`;
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'invalid request: messages cannot be empty';
  for (const message of body.messages as Array<Record<string, unknown>>) {
    if (!['system', 'user', 'assistant', 'tool'].includes(String(message.role)))
      return `invalid request: invalid role ${String(message.role)}`;
    if (message.role === 'tool' && typeof message.tool_call_id !== 'string')
      return 'invalid request: tool message needs tool_call_id';
  }
  return undefined;
}

function wantsTool(body: Record<string, unknown>): boolean {
  const messages = body.messages as Array<Record<string, unknown>>;
  return Array.isArray(body.tools) && body.tools.length > 0 && messages[messages.length - 1]!.role !== 'tool';
}

function chat(body: Record<string, unknown>) {
  const tool = wantsTool(body);
  const message = tool
    ? { role: 'assistant', tool_plan: 'I will look up the weather in Toronto.', tool_calls: [COHERE_CALL] }
    : { role: 'assistant', content: [{ type: 'text', text: COHERE_TEXT }] };
  return {
    id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4',
    finish_reason: tool ? 'TOOL_CALL' : 'COMPLETE',
    message,
    usage: COHERE_USAGE,
  };
}

function stream(body: Record<string, unknown>) {
  const tool = wantsTool(body);
  const ev = (type: string, data: Record<string, unknown>) => [type, { type, ...data }] as const;
  const events = [
    ev('message-start', {
      id: '29f14a5a-11de-4cae-9800-25e4747408ea',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    }),
  ];
  if (tool) {
    events.push(ev('tool-plan-delta', { delta: { message: { tool_plan: 'I will look up the weather.' } } }));
    events.push(
      ev('tool-call-start', {
        index: 0,
        delta: {
          message: {
            tool_calls: {
              id: COHERE_CALL.id,
              type: 'function',
              function: { name: 'get_weather', arguments: '' },
            },
          },
        },
      }),
    );
    for (const part of ['{"location":', '"Toronto"}'])
      events.push(
        ev('tool-call-delta', {
          index: 0,
          delta: { message: { tool_calls: { function: { arguments: part } } } },
        }),
      );
    events.push(ev('tool-call-end', { index: 0 }));
  } else {
    events.push(
      ev('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
    );
    for (const text of COHERE_TEXT.match(/\S+\s*/g) ?? [])
      events.push(ev('content-delta', { index: 0, delta: { message: { content: { text } } } }));
    events.push(ev('content-end', { index: 0 }));
  }
  events.push(
    ev('message-end', { delta: { finish_reason: tool ? 'TOOL_CALL' : 'COMPLETE', usage: COHERE_USAGE } }),
  );
  return events;
}

function embed(request: Recorded, res: ServerResponse): void {
  const body = request.body;
  if (!Array.isArray(body.texts) || typeof body.input_type !== 'string')
    return sendJson(res, 400, { message: 'invalid request: texts and input_type are required' });
  const texts = body.texts as string[];
  sendJson(res, 200, {
    id: 'da6e531f-54c6-4a73-bf92-f60566d8d753',
    embeddings: { float: texts.map(() => [0.016296387, -0.008354187]) },
    texts,
    meta: { api_version: { version: '2' }, billed_units: { input_tokens: 2 * texts.length } },
  });
}

export async function startCohereMock(): Promise<HttpMock> {
  return startHttpMock((request, res) => {
    if (request.path === '/v2/embed') return embed(request, res);
    if (request.path !== '/v2/chat') return sendJson(res, 404, { message: `no route ${request.path}` });
    const problem = invalid(request);
    if (problem) return sendJson(res, 400, { id: 'err-1', message: problem });
    if (request.body.stream === true) return sendSse(res, stream(request.body));
    sendJson(res, 200, chat(request.body));
  });
}
