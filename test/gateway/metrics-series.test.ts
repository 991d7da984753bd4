/** FastCounter/FastHistogram: the /metrics text equals what prom-client's own Counter/Histogram render. */
import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../../gateway/metrics/fast-metrics.ts';
import { GatewayMetrics } from '../../gateway/metrics/metrics.ts';

const BUCKETS = [0.005, 0.01, 0.1, 1, 2.5];
const requests = { name: 't_requests_total', help: 'Requests "by" \\ tuple\nsecond line' };
const cost = { name: 't_cost_usd_total', help: 'Cost' };
const latency = { name: 't_latency_seconds', help: 'Latency' };

/** The same three metrics twice: plain prom-client (the reference) and the fast path. */
function pair() {
  const ref = new Registry();
  const fast = new Registry();
  const refRequests = new Counter({
    ...requests,
    labelNames: ['provider', 'model', 'status'],
    registers: [ref],
  });
  const refCost = new Counter({ ...cost, labelNames: ['provider', 'model'], registers: [ref] });
  const refLatency = new Histogram({
    ...latency,
    labelNames: ['provider', 'model', 'status'],
    buckets: BUCKETS,
    registers: [ref],
  });
  const fastRequests = new FastCounter(fast, { ...requests, labelNames: ['provider', 'model', 'status'] });
  const fastCost = new FastCounter(fast, { ...cost, labelNames: ['provider', 'model'] });
  const fastLatency = new FastHistogram(fast, {
    ...latency,
    labelNames: ['provider', 'model', 'status'],
    buckets: BUCKETS,
  });
  return {
    ref,
    fast,
    request(provider: string, model: string, status: string) {
      refRequests.labels(provider, model, status).inc();
      fastRequests.inc([provider, model, status]);
    },
    cost(provider: string, model: string, usd: number) {
      refCost.labels(provider, model).inc(usd);
      fastCost.inc([provider, model], usd);
    },
    latency(provider: string, model: string, status: string, seconds: number) {
      refLatency.labels(provider, model, status).observe(seconds);
      fastLatency.observe([provider, model, status], seconds);
    },
  };
}

const MODELS = ['gpt-4o', 'say "hi"', 'back\\slash\\', 'new\nline', 'a,b', '', 'ünï cødé {x}'];

async function expectSame(p: ReturnType<typeof pair>): Promise<string> {
  const text = await p.fast.metrics();
  expect(text).toBe(await p.ref.metrics());
  expect(await p.fast.getMetricsAsJSON()).toEqual(await p.ref.getMetricsAsJSON());
  return text;
}

describe('fast metrics', () => {
  it('renders the same text as prom-client for the same observations', async () => {
    const p = pair();
    const seconds = [0.001, 0.005, 0.0051, 0.05, 0.3, 1, 2.4999, 2.5, 3, 1e6, 0];
    MODELS.forEach((model, m) => {
      for (const [i, s] of seconds.entries()) {
        if ((i + m) % 3 === 0) continue; // series with different bucket mixes
        const status = i % 2 ? '200' : '500';
        p.latency('openai', model, status, s);
        p.request('openai', model, status);
        p.cost('openai', model, 0.1 + i * 1e-7 + 1 / 3);
      }
    });
    p.request('anthropic', 'claude', '429');
    p.cost('anthropic', 'claude', 0.2);
    p.cost('anthropic', 'claude', 0.1);
    const text = await expectSame(p);
    expect(text).toContain('t_cost_usd_total{provider="anthropic",model="claude"} 0.30000000000000004');
    expect(text).toContain('model="say \\"hi\\""');
    expect(text).toContain('model="new\\nline"');
    expect(text).toContain('model="back\\\\slash\\\\"');
  });

  it('keeps cumulative totals across scrapes', async () => {
    const p = pair();
    p.latency('openai', 'x', '200', 0.007);
    p.latency('openai', 'x', '200', 7);
    p.cost('openai', 'x', 0.1);
    p.request('openai', 'x', '200');
    await expectSame(p);
    await expectSame(p);
    p.latency('openai', 'x', '200', 0.5);
    p.latency('openai', 'y', '200', 0.001);
    p.cost('openai', 'x', 0.2);
    p.request('openai', 'x', '200');
    p.request('openai', 'y', '500');
    const text = await expectSame(p);
    expect(text).toContain('t_latency_seconds_bucket{le="0.01",provider="openai",model="x",status="200"} 1');
    expect(text).toContain('t_latency_seconds_bucket{le="1",provider="openai",model="x",status="200"} 2');
    expect(text).toContain('t_latency_seconds_bucket{le="+Inf",provider="openai",model="x",status="200"} 3');
    expect(text).toContain('t_latency_seconds_sum{provider="openai",model="x",status="200"} 7.507');
    expect(text).toContain('t_latency_seconds_count{provider="openai",model="x",status="200"} 3');
    expect(text).toContain('t_cost_usd_total{provider="openai",model="x"} 0.30000000000000004');
    expect(text).toContain('t_requests_total{provider="openai",model="x",status="200"} 2');
    expect(await p.fast.metrics()).toBe(text);
  });

  it('renders empty metrics and resets like prom-client', async () => {
    const p = pair();
    await expectSame(p);
    p.request('openai', 'x', '200');
    p.latency('openai', 'x', '200', 0.2);
    p.ref.resetMetrics();
    p.fast.resetMetrics();
    await expectSame(p);
    p.request('openai', 'z', '200');
    p.latency('openai', 'z', '200', 0.2);
    await expectSame(p);
  });

  it('keeps apart label tuples that prom-client would hash to one string', async () => {
    // prom-client keys both by "model:x,provider:y,provider:z," and reports one series with 3.
    const fast = new Registry();
    const counter = new FastCounter(fast, { ...cost, labelNames: ['provider', 'model'] });
    counter.inc(['z', 'x,provider:y']);
    counter.inc(['y,provider:z', 'x'], 2);
    const text = await fast.metrics();
    expect(text).toContain('t_cost_usd_total{provider="z",model="x,provider:y"} 1');
    expect(text).toContain('t_cost_usd_total{provider="y,provider:z",model="x"} 2');
  });

  it('rejects bad values and label counts', () => {
    const fast = new Registry();
    const counter = new FastCounter(fast, { ...cost, labelNames: ['provider', 'model'] });
    const histogram = new FastHistogram(fast, { ...latency, labelNames: ['provider'], buckets: BUCKETS });
    expect(() => counter.inc(['a', 'b'], -1)).toThrow();
    expect(() => counter.inc(['a', 'b'], Infinity)).toThrow();
    expect(() => counter.inc(['a'])).toThrow();
    expect(() => histogram.observe(['a'], NaN)).toThrow();
    expect(() => histogram.observe(['a', 'b'], 1)).toThrow();
    expect(() => new FastCounter(fast, { ...cost, labelNames: ['x'] })).toThrow(/already been registered/);
  });

  it('GatewayMetrics.addCost shows as heimdall_cost_usd_total', async () => {
    const metrics = new GatewayMetrics();
    metrics.addCost('openai', metrics.modelLabel('openai', 'gpt-4o'), 0.25);
    metrics.addCost('openai', metrics.modelLabel('openai', 'gpt-4o'), 0.5);
    expect(await metrics.text()).toContain('heimdall_cost_usd_total{provider="openai",model="gpt-4o"} 0.75');
  });
});
