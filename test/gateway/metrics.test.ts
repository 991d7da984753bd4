/** Prometheus metrics: own registry, requests/tokens/latency/overhead/errors by provider, model, status. */
import { describe, expect, it } from 'vitest';
import { register } from 'prom-client';
import { chatBody, key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

const suite = useMockedGateway((url) =>
  snapshotOf({ providers: [provider('openai', url, [key({ models: ['gpt-4o'] })])] }),
);

describe('metrics', () => {
  it('counts requests, tokens, errors and observes latency and overhead', async () => {
    expect((await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'))).status).toBe(
      200,
    );
    suite.mock.enqueue({ kind: 'status', status: 500 });
    expect((await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'))).status).toBe(
      500,
    );
    expect((await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody('nope'))).status).toBe(400);

    const text = await suite.gw.gateway.metrics();
    expect(text).toContain('heimdall_requests_total{provider="openai",model="gpt-4o",status="200"} 1');
    expect(text).toContain('heimdall_requests_total{provider="openai",model="gpt-4o",status="500"} 1');
    expect(text).toContain('heimdall_requests_total{provider="none",model="none",status="400"} 1');
    expect(text).toContain(
      'heimdall_errors_total{provider="openai",model="gpt-4o",status="500",type="upstream_error"} 1',
    );
    expect(text).toContain('heimdall_tokens_input_total{provider="openai",model="gpt-4o"} 11');
    expect(text).toContain('heimdall_tokens_output_total{provider="openai",model="gpt-4o"} 17');
    expect(text).toMatch(
      /heimdall_upstream_latency_seconds_count\{provider="openai",model="gpt-4o",status="200"\} 1/,
    );
    expect(text).toMatch(/heimdall_gateway_overhead_seconds_count\{provider="openai",model="gpt-4o"\} 2/);
  });

  it('does not register in the global prom-client registry', async () => {
    expect(await register.metrics()).not.toContain('heimdall_');
  });
});
