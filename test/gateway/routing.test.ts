/**
 * Model addressing (provider/model, bare names, ambiguity), aliases, and the provider-specific
 * request shapes: Azure deployments/api-version/api-key, vLLM model_name, base URLs with `/v1`,
 * custom providers, env.VAR resolution.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { joinPath } from '../../gateway/providers/base-url.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
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

let mock: OpenAIMock;
let gw: RunningGateway;
const chat = (model: string, headers: Record<string, string> = {}) =>
  postJson(`${gw.url}/v1/chat/completions`, chatBody(model), headers);

beforeAll(async () => {
  mock = await startOpenAIMock();
  process.env.HEIMDALL_TEST_AZURE_ENDPOINT = mock.url;
  process.env.HEIMDALL_TEST_GROQ_KEY = 'gsk-from-env';
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('openai', mock.url, [
          key({ models: ['gpt-4o', 'shared-model'], aliases: { fast: 'gpt-4o-mini-2024-07-18' } }),
        ]),
        provider('groq', `${mock.url}/openai/v1`, [
          key({ value: 'env.HEIMDALL_TEST_GROQ_KEY', models: ['llama-3.1-8b', 'shared-model'] }),
        ]),
        provider('together', mock.url, [key({ models: ['meta-llama/Llama-3.1-8B'] })]),
        provider('azure', undefined, [
          key({
            value: 'az-secret',
            models: ['gpt-4o-azure'],
            aliases: { 'gpt-4o-azure': 'gpt-4o' },
            azure_key_config: {
              endpoint: 'env.HEIMDALL_TEST_AZURE_ENDPOINT',
              api_version: '2024-10-21',
              deployments: { 'gpt-4o': 'gpt-4o-prod' },
            },
          }),
        ]),
        provider('vllm', undefined, [
          key({
            value: '',
            models: ['llama-3-70b'],
            vllm_key_config: { url: `${mock.url}/v1`, model_name: 'meta-llama/Meta-Llama-3-70B-Instruct' },
          }),
        ]),
        provider('my-lab', `${mock.url}/prefix`, [key({ value: '', models: ['lab-model'] })]),
        provider('perplexity', mock.url, [key({ models: ['sonar'] })]),
      ],
    }),
  );
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
});

beforeEach(() => mock.reset());

describe('model addressing', () => {
  it('splits provider/model on a configured provider prefix', async () => {
    const response = await chat('groq/llama-3.1-8b');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-heimdall-provider')).toBe('groq');
    expect(mock.requests[0]?.body.model).toBe('llama-3.1-8b');
  });

  it('resolves a bare name served by exactly one provider', async () => {
    const response = await chat('llama-3.1-8b');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-heimdall-provider')).toBe('groq');
  });

  it('keeps org/model names whole when the prefix is not a provider', async () => {
    const response = await chat('meta-llama/Llama-3.1-8B');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-heimdall-provider')).toBe('together');
    expect(mock.requests[0]?.body.model).toBe('meta-llama/Llama-3.1-8B');
  });

  it('answers 400 listing the candidates for an ambiguous bare name', async () => {
    const response = await chat('shared-model');
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'ambiguous_model', param: 'model' });
    expect(errorOf(response).message).toContain('openai/shared-model, groq/shared-model');
    expect(mock.requests).toHaveLength(0);
  });

  it('answers 400 listing what is available for an unknown name', async () => {
    const response = await chat('no-such-model');
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('unknown_model');
    expect(errorOf(response).message).toContain('openai/gpt-4o');
  });

  it('maps an alias to the provider id after key selection', async () => {
    const response = await chat('fast');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-heimdall-model')).toBe('fast');
    expect(mock.requests[0]?.body.model).toBe('gpt-4o-mini-2024-07-18');
  });

  it("accepts Bifrost's separate provider field", async () => {
    const response = await postJson(`${gw.url}/v1/chat/completions`, {
      ...chatBody('gpt-4o'),
      provider: 'openai',
    });
    expect(response.status).toBe(200);
    expect(mock.requests[0]?.body.provider).toBeUndefined();
  });

  it('refuses an operation the provider does not offer', async () => {
    const response = await postJson(`${gw.url}/v1/embeddings`, { model: 'perplexity/sonar', input: 'x' });
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('unsupported_operation');
  });
});

describe('provider request shapes', () => {
  it('azure: endpoint from env, deployment in the path, api-version query, api-key header', async () => {
    const response = await chat('azure/gpt-4o-azure');
    expect(response.status).toBe(200);
    const request = mock.requests[0]!;
    expect(request.url).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    expect(request.headers['api-key']).toBe('az-secret');
    expect(request.headers.authorization).toBeUndefined();
  });

  it('vllm: the key url and model_name; no auth header for an empty key', async () => {
    const response = await chat('vllm/llama-3-70b');
    expect(response.status).toBe(200);
    const request = mock.requests[0]!;
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.body.model).toBe('meta-llama/Meta-Llama-3-70B-Instruct');
    expect(request.headers.authorization).toBeUndefined();
  });

  it('base_url ending in /v1 is not doubled; env.VAR key values resolve at use', async () => {
    await chat('groq/llama-3.1-8b');
    expect(mock.requests[0]?.url).toBe('/openai/v1/chat/completions');
    expect(mock.requests[0]?.headers.authorization).toBe('Bearer gsk-from-env');
  });

  it('custom providers append the standard path to their base_url prefix', async () => {
    await chat('my-lab/lab-model');
    expect(mock.requests[0]?.url).toBe('/prefix/v1/chat/completions');
  });

  it('providers without a version segment keep theirs', async () => {
    await chat('perplexity/sonar');
    expect(mock.requests[0]?.url).toBe('/chat/completions');
  });

  it('an unset env.VAR key is a configuration error, not a hang', async () => {
    delete process.env.HEIMDALL_TEST_GROQ_KEY;
    const response = await chat('groq/llama-3.1-8b');
    process.env.HEIMDALL_TEST_GROQ_KEY = 'gsk-from-env';
    expect(response.status).toBe(500);
    expect(errorOf(response).code).toBe('provider_misconfigured');
    expect(errorOf(response).message).toContain('env.HEIMDALL_TEST_GROQ_KEY');
  });
});

describe('joinPath', () => {
  it.each([
    ['', '/v1/chat/completions', '/v1/chat/completions'],
    ['/v1', '/v1/chat/completions', '/v1/chat/completions'],
    ['/openai/v1', '/v1/embeddings', '/openai/v1/embeddings'],
    ['/openai', '/v1/embeddings', '/openai/v1/embeddings'],
    ['/api', '/chat/completions', '/api/chat/completions'],
  ])('%s + %s = %s', (prefix, path, joined) => {
    expect(joinPath(prefix, path)).toBe(joined);
  });
});
