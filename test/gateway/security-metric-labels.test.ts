/**
 * Issue 11, Low: metric model labels only for models a key is configured for (its `models`
 * list or alias names) or that the price book knows for that provider; any other name a client
 * sends through a wildcard key is labelled `other`, so tenants cannot mint series.
 */
import { describe, expect, it } from 'vitest';
import { chatBody, key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

const suite = useMockedGateway((url) =>
  snapshotOf({
    providers: [
      provider('openai', url, [key({ models: ['*'] })]),
      provider('groq', url, [key({ models: ['house-model'], aliases: { fast: 'house-model-v2' } })]),
    ],
  }),
);

const ask = async (model: string) =>
  (await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody(model))).status;

describe('metric model labels', () => {
  it('keeps configured, aliased and catalogued names and folds the rest into `other`', async () => {
    expect(await ask('openai/gpt-4o-mini')).toBe(200);
    for (let i = 0; i < 3; i++) expect(await ask(`openai/tenant-junk-${i}`)).toBe(200);
    expect(await ask('groq/house-model')).toBe(200);
    expect(await ask('groq/fast')).toBe(200);

    const text = await suite.gw.gateway.metrics();
    expect(text).toContain('heimdall_requests_total{provider="openai",model="gpt-4o-mini",status="200"} 1');
    expect(text).toContain('heimdall_requests_total{provider="openai",model="other",status="200"} 3');
    expect(text).toContain('heimdall_requests_total{provider="groq",model="house-model",status="200"} 1');
    expect(text).toContain('heimdall_requests_total{provider="groq",model="fast",status="200"} 1');
    expect(text).toContain('heimdall_tokens_input_total{provider="openai",model="other"}');
    expect(text).not.toContain('tenant-junk');
  });
});
