/**
 * A loopback Hugging Face router: the OpenAI-compatible `/v1/chat/completions` (plain, SSE,
 * tool calls when tools are offered) and the hf-inference feature-extraction pipeline
 * (`{inputs}` → a list of vectors, or one vector for a single string).
 */
import { sendJson, sendSse, startHttpMock, type HttpMock } from './http-mock.ts';

export const HF_TEXT = 'Deep learning is a subset of machine learning.';
export const HF_CALL = {
  id: 'call_hf_1',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
};
export const HF_USAGE = { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 };

export async function startHuggingFaceMock(): Promise<HttpMock> {
  return startHttpMock((request, res) => {
    if (request.headers.authorization !== 'Bearer hf_test')
      return sendJson(res, 401, { error: 'Invalid credentials in Authorization header' });
    if (request.path.endsWith('/pipeline/feature-extraction')) {
      const inputs = request.body.inputs;
      if (typeof inputs === 'string') return sendJson(res, 200, [0.1, 0.2, 0.3]);
      if (!Array.isArray(inputs)) return sendJson(res, 400, { error: 'inputs is required' });
      return sendJson(
        res,
        200,
        inputs.map(() => [0.1, 0.2, 0.3]),
      );
    }
    if (request.path !== '/v1/chat/completions') return sendJson(res, 404, { error: 'Not Found' });
    const body = request.body;
    if (typeof body.model !== 'string' || !Array.isArray(body.messages))
      return sendJson(res, 422, { error: { message: 'model and messages are required' } });
    const messages = body.messages as Array<{ role: string }>;
    const tool = Array.isArray(body.tools) && messages[messages.length - 1]!.role !== 'tool';
    const message = tool
      ? { role: 'assistant', content: null, tool_calls: [HF_CALL] }
      : { role: 'assistant', content: HF_TEXT };
    const base = { id: 'chatcmpl-hf', created: 1_700_000_000, model: body.model };
    if (body.stream !== true)
      return sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason: tool ? 'tool_calls' : 'stop' }],
        usage: HF_USAGE,
      });
    const chunk = (delta: unknown, finish: string | null) =>
      [
        undefined,
        { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] },
      ] as const;
    const events = [chunk({ role: 'assistant', content: '' }, null)];
    for (const text of HF_TEXT.match(/\S+\s*/g) ?? []) events.push(chunk({ content: text }, null));
    events.push(chunk({}, 'stop'));
    const withUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
    const tail = withUsage
      ? [[undefined, { ...base, object: 'chat.completion.chunk', choices: [], usage: HF_USAGE }] as const]
      : [];
    sendSse(res, [...events, ...tail, [undefined, '[DONE]'] as const]);
  });
}
