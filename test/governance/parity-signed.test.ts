/**
 * Streamed = non-streamed charges for the adapters that sign or wrap their calls (Bedrock SigV4
 * Converse / ConverseStream, Vertex service-account OAuth with its Gemini and Anthropic
 * publishers, the Hugging Face router, Replicate predictions), each against its own wire-format
 * mock reporting the same usage in its JSON answer and in its stream. The request log's cost must
 * equal the ledger's settle. Hugging Face and Replicate have no bundled prices, so a
 * control-plane price entry (not the price book) prices them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPriceEntries } from '../../db/index.ts';
import { STATIC_KEY, startBedrockMock } from '../mocks/bedrock-mock.ts';
import type { HttpMock } from '../mocks/http-mock.ts';
import { startHuggingFaceMock } from '../mocks/huggingface-mock.ts';
import { startReplicateMock } from '../mocks/replicate-mock.ts';
import { startVertexMock } from '../mocks/vertex-mock.ts';
import { chargeOf, startStack, type Stack } from './support/stack.ts';

const EMAIL = 'heimdall-parity@my-project.iam.gserviceaccount.com';
const HF_MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const REPLICATE_MODEL = 'meta/meta-llama-3-70b-instruct';

let mocks: HttpMock[] = [];
let stack: Stack;

beforeAll(async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const [bedrock, vertex, huggingface, replicate] = await Promise.all([
    startBedrockMock(),
    startVertexMock(publicKey, EMAIL),
    startHuggingFaceMock(),
    startReplicateMock(),
  ]);
  mocks = [bedrock, vertex, huggingface, replicate];
  const account = {
    type: 'service_account',
    project_id: 'my-project',
    private_key: privateKey,
    client_email: EMAIL,
    token_uri: `${vertex.url}/token`,
  };
  const provider = (url: string, value: string, extra: Record<string, unknown> = {}) => ({
    keys: [{ name: 'k', value, models: ['*'], ...extra }],
    network_config: { base_url: url },
  });
  stack = await startStack({
    providers: {
      bedrock: provider(bedrock.url, '', {
        bedrock_key_config: {
          region: 'us-west-2',
          access_key: STATIC_KEY.accessKeyId,
          secret_key: STATIC_KEY.secretAccessKey,
        },
      }),
      vertex: provider(vertex.url, '', {
        vertex_key_config: {
          project_id: 'my-project',
          region: 'us-central1',
          auth_credentials: JSON.stringify(account),
        },
      }),
      huggingface: provider(huggingface.url, 'hf_test'),
      replicate: provider(replicate.url, 'r8_test'),
    },
    governance: {
      budgets: [{ id: 'parity', max_limit: 1000, reset_duration: '1d', mode: 'strict' }],
      virtual_keys: [
        { id: 'vk-parity', name: 'parity', value: 'vk-parity-secret-value-0001', budget_id: 'parity' },
      ],
    },
  });
  const price = (provider: string, model: string) => ({
    provider,
    model,
    inputMicrosPerMtok: 1_000_000,
    outputMicrosPerMtok: 2_000_000,
    version: 'parity-signed',
    source: 'admin',
  });
  await insertPriceEntries(stack.database, [
    price('huggingface', HF_MODEL),
    price('replicate', REPLICATE_MODEL),
  ]);
  await stack.reloadConfig();
});

afterAll(async () => {
  await stack?.close();
  await Promise.all(mocks.map((m) => m.close()));
});

/** Sends one chat request and returns its settled charge, checked against its request log's cost. */
async function charged(model: string, stream: boolean): Promise<number> {
  const body = { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 500, stream };
  const { reply, settled, logged } = await chargeOf(stack, body, 'vk-parity-secret-value-0001', 'parity');
  if (stream) expect(reply.headers.get('content-type')).toContain('text/event-stream');
  expect(logged, `request-log cost (stream: ${stream})`).toBe(settled);
  return settled;
}

describe('streamed requests are charged like non-streamed ones (signed and wrapped adapters)', () => {
  // The expected charge is the mock's usage priced by hand, so neither mode can pass on an estimate.
  it.each([
    // 30 uncached × $3 + 80 cache reads × $0.30 + 20 cache writes × $3.75 + 62 out × $15 (per M).
    ['bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0', 1119],
    // 40 in × $0.15 + (12 candidates + 5 thoughts) × $0.60 = 16.2.
    ['vertex/gemini-2.0-flash', 16],
    // Anthropic on Vertex: 25 in × $3 + 100 cache reads × $0.30 + 10 writes × $3.75 + 15 out × $15.
    ['vertex/claude-3-5-sonnet-v2@20241022', 368],
    // 20 in × $1 + 9 out × $2 (the price entry above).
    [`huggingface/${HF_MODEL}`, 38],
    // 14 in × $1 + 9 out × $2.
    [`replicate/${REPLICATE_MODEL}`, 32],
  ])('%s', async (model, expected) => {
    const charges = [await charged(model, false), await charged(model, true)];
    expect(charges[0]).toBeGreaterThan(0);
    expect(charges).toEqual([expected, expected]);
  });
});
