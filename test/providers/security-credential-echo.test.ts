/**
 * Providers that quote the refused credential back (`Incorrect API key provided:
 * Bearer hf-…`) must not hand it to the client, the request log or the process log. The mask
 * covers the exact values the attempt sent (whatever their shape, `env.VAR` resolved, any auth
 * header) and key-shaped tokens of other keys, for plain answers and streams failing up front.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLog } from '../../gateway/create-gateway.ts';
import { sendJson, startHttpMock, type HttpMock } from '../mocks/http-mock.ts';
import {
  chatBody,
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from '../gateway/harness.ts';

const HF_KEY = 'hf-operator-secret-value-1';
const OPENAI_KEY = `sk-proj-${'A1b2C3d4'.repeat(5)}`;
const AZURE_KEY = 'azure-plain-secret-77';
const ANTHROPIC_KEY = 'anthropic-plain-secret-88';
const OTHER_KEYS = [`sk-ant-api03-${'x9'.repeat(20)}`, 'AKIAIOSFODNN7EXAMPLE', `hf_${'Q7'.repeat(17)}`];
const SECRETS = [HF_KEY, OPENAI_KEY, AZURE_KEY, ANTHROPIC_KEY, ...OTHER_KEYS];

let mock: HttpMock;
let gw: RunningGateway;
const logs: RequestLog[] = [];

beforeAll(async () => {
  // Refuses everything, quoting the credential it got (and, for model "leak", other keys too).
  mock = await startHttpMock((request, res) => {
    const sent =
      request.headers.authorization ?? request.headers['api-key'] ?? request.headers['x-api-key'] ?? '';
    const others = request.body.model === 'leak' ? ` (also tried ${OTHER_KEYS.join(', ')})` : '';
    const error = {
      message: `Incorrect API key provided: ${String(sent)}${others}`,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    };
    if (request.body.stream !== true) return sendJson(res, 401, { error });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`data: ${JSON.stringify({ error })}\n\n`);
  });
  process.env.HEIMDALL_TEST_ECHO_OPENAI_KEY = OPENAI_KEY;
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('huggingface', mock.url, [key({ value: HF_KEY })]),
        provider('anthropic', mock.url, [key({ value: ANTHROPIC_KEY })]),
        provider('openai', mock.url, [key({ value: 'env.HEIMDALL_TEST_ECHO_OPENAI_KEY' })]),
        provider('azure', undefined, [
          key({ value: AZURE_KEY, azure_key_config: { endpoint: mock.url, api_version: '2024-10-21' } }),
        ]),
      ],
    }),
    { onRequestFinished: (_ctx, log) => void logs.push(log) },
  );
});
afterAll(async () => {
  delete process.env.HEIMDALL_TEST_ECHO_OPENAI_KEY;
  await gw?.close();
  await mock?.close();
});

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('credentials echoed in provider errors', () => {
  it.each([
    ['huggingface', 'huggingface/meta-llama/Llama-3.1-8B-Instruct', false],
    ['openai (key from env.VAR)', 'openai/gpt-4o', false],
    ['azure (api-key header, not key-shaped)', 'azure/gpt-4o', false],
    ['other key-shaped tokens in the text', 'openai/leak', false],
    ['a stream whose first event is the error', 'openai/gpt-4o', true],
  ])('%s: masked for the client and in the request log', async (_name, model, stream) => {
    logs.length = 0;
    const response = await postJson(`${gw.url}/v1/chat/completions`, chatBody(model, { stream }));
    expect(mock.requests.length).toBeGreaterThan(0);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(errorOf(response).message).toContain('Incorrect API key provided');
    expect(errorOf(response).message).toContain('***');
    expectNoSecret(response.text);
    await expect.poll(() => logs.length).toBe(1);
    expectNoSecret(JSON.stringify(logs[0]));
    expect(logs[0]!.error?.message).toContain('***');
  });

  it('count_tokens forwarded to Anthropic: masked for the client too', async () => {
    const response = await postJson(`${gw.url}/anthropic/v1/messages/count_tokens`, {
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(mock.requests.at(-1)?.url).toContain('/count_tokens');
    expect(response.status).toBe(401);
    expect(response.text).toContain('Incorrect API key provided');
    expect(response.text).toContain('***');
    expectNoSecret(response.text);
  });
});
