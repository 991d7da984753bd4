/**
 * Issue 13, item 11: `client.prometheus_labels` (Bifrost's) adds labels to the request metrics,
 * each filled from the request's `x-bf-prom-<label>` header. Header values are client input, so
 * the series they create are bounded: odd or long values are `invalid`, values past the 50th
 * distinct one are `other`. A new label set applies to the next request.
 */
import { describe, expect, it } from 'vitest';
import { MAX_VALUES_PER_LABEL } from '../../gateway/metrics/custom-labels.ts';
import { chatBody, key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

const snapshot = (url: string, labels: string[], version = 1) =>
  snapshotOf({
    version,
    providers: [provider('openai', url, [key({ models: ['gpt-4o-mini'] })])],
    client: { prometheus_labels: labels },
  });

const suite = useMockedGateway((url) => snapshot(url, ['team', 'env']));

const ask = async (headers: Record<string, string>, model = 'openai/gpt-4o-mini') =>
  (await postJson(`${suite.gw.url}/v1/chat/completions`, chatBody(model), headers)).status;

const series = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`));

describe('prometheus_labels from x-bf-prom-* headers', () => {
  it('labels requests and errors with the header values', async () => {
    expect(await ask({ 'x-bf-prom-team': 'search', 'x-bf-prom-env': 'prod' })).toBe(200);
    expect(await ask({ 'x-bf-prom-team': 'search' })).toBe(200);
    expect(await ask({ 'x-bf-prom-team': 'search' }, 'openai/not-configured')).toBe(400);

    const text = await suite.gw.gateway.metrics();
    expect(text).toContain(
      'heimdall_requests_total{provider="openai",model="gpt-4o-mini",status="200",team="search",env="prod"} 1',
    );
    expect(text).toContain(
      'heimdall_requests_total{provider="openai",model="gpt-4o-mini",status="200",team="search",env=""} 1',
    );
    expect(series(text, 'heimdall_errors_total').join('\n')).toMatch(
      /status="400",type="[a-z_]+",team="search",env=""\} 1/,
    );
  });

  it('bounds the values a client can mint', async () => {
    expect(await ask({ 'x-bf-prom-team': 'x'.repeat(65) })).toBe(200);
    expect(await ask({ 'x-bf-prom-team': 'has spaces{and}"quotes"' })).toBe(200);
    for (let i = 0; i < MAX_VALUES_PER_LABEL + 10; i++)
      expect(await ask({ 'x-bf-prom-env': `tenant-${i}` })).toBe(200);

    const lines = series(await suite.gw.gateway.metrics(), 'heimdall_requests_total');
    const envs = new Set(lines.map((line) => /env="([^"]*)"/.exec(line)?.[1]));
    // `prod` and the empty value from the first test, 48 tenants, then `other`.
    expect(envs.size).toBe(MAX_VALUES_PER_LABEL + 2);
    expect(envs).toContain('other');
    expect(envs).not.toContain(`tenant-${MAX_VALUES_PER_LABEL + 9}`);
    expect(lines.some((line) => line.includes('team="invalid"'))).toBe(true);
    expect(lines.join('\n')).not.toContain('quotes');
    expect(lines.join('\n')).not.toContain('x'.repeat(65));
  });

  it('applies a new label set to the next request (header names match any case)', async () => {
    suite.gw.controlPlane.publish(snapshot(suite.mock.url, ['regionName'], 2));
    for (let i = 0; i < 100 && suite.gw.gateway.snapshotVersion() !== 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(suite.gw.gateway.snapshotVersion()).toBe(2);

    expect(await ask({ 'X-Bf-Prom-RegionName': 'eu-west-1', 'x-bf-prom-team': 'search' })).toBe(200);
    const lines = series(await suite.gw.gateway.metrics(), 'heimdall_requests_total');
    expect(lines).toEqual([
      'heimdall_requests_total{provider="openai",model="gpt-4o-mini",status="200",regionName="eu-west-1"} 1',
    ]);
  });
});
