/**
 * Issue 11, High 4, in depth: a provider setting that references one of Heimdall's own
 * credentials never resolves in the gateway, whoever stored it (a row written before the rule, or
 * around the control plane's checks). The request is a 500 naming the reference, and nothing —
 * least of all the credential — reaches the provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
} from './harness.ts';

const ADMIN_PASSWORD = 'own-credential-admin-password-1';
const PROVIDER_KEY = 'sk-own-credentials-test-provider-key';

let mock: HttpMock;
let gw: RunningGateway;

beforeAll(async () => {
  mock = await startHttpMock((_request, res) =>
    sendJson(res, 200, { id: 'x', object: 'chat.completion', choices: [], model: 'gpt-4o' }),
  );
  process.env.HEIMDALL_ADMIN_PASSWORD = ADMIN_PASSWORD;
  process.env.HEIMDALL_TEST_OWN_CREDENTIALS_KEY = PROVIDER_KEY;
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('openai', mock.url, [key({ name: 'stolen', value: 'env.HEIMDALL_ADMIN_PASSWORD' })]),
        provider('groq', mock.url, [key({ name: 'fine', value: 'env.HEIMDALL_TEST_OWN_CREDENTIALS_KEY' })]),
      ],
    }),
  );
});
afterAll(async () => {
  delete process.env.HEIMDALL_ADMIN_PASSWORD;
  delete process.env.HEIMDALL_TEST_OWN_CREDENTIALS_KEY;
  await gw?.close();
  await mock?.close();
});

describe("a stored reference to Heimdall's own credentials", () => {
  it('is not resolved: 500 provider_misconfigured naming the reference, nothing sent', async () => {
    mock.requests.length = 0;
    const response = await postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
    expect(response.status).toBe(500);
    expect(errorOf(response)).toMatchObject({ code: 'provider_misconfigured' });
    expect(errorOf(response).message).toContain(
      "env.HEIMDALL_ADMIN_PASSWORD, one of Heimdall's own credentials",
    );
    expect(response.text).not.toContain(ADMIN_PASSWORD);
    expect(mock.requests).toHaveLength(0);
  });

  it('leaves other references working', async () => {
    mock.requests.length = 0;
    const response = await postJson(`${gw.url}/v1/chat/completions`, chatBody('groq/llama-3.1-8b-instant'));
    expect(response.status).toBe(200);
    expect(mock.requests[0]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  });
});
