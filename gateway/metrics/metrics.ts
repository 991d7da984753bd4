/**
 * Prometheus metrics of the data plane, in their own Registry (never the global one). Labels
 * are provider, model and status only (errors add a bounded `type`), and model values are
 * capped per provider so a wildcard key cannot grow cardinality without bound.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import type { AttemptRecord, RequestContext } from '../context.ts';

/** Distinct model label values kept per provider; later ones are counted as `other`. */
export const MAX_MODELS_PER_PROVIDER = 200;
const NONE = 'none';

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly modelsSeen = new Map<string, Set<string>>();

  private readonly requests = new Counter({
    name: 'heimdall_requests_total',
    help: 'Inference requests by the provider and model that answered (or the primary) and final status',
    labelNames: ['provider', 'model', 'status'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'heimdall_errors_total',
    help: 'Failed requests by error type (failed attempts show in heimdall_upstream_latency_seconds by status)',
    labelNames: ['provider', 'model', 'status', 'type'] as const,
    registers: [this.registry],
  });
  private readonly upstreamLatency = new Histogram({
    name: 'heimdall_upstream_latency_seconds',
    help: 'Time from sending an attempt upstream to the end of its response',
    labelNames: ['provider', 'model', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly overhead = new Histogram({
    name: 'heimdall_gateway_overhead_seconds',
    help: 'Time a request spent in Heimdall itself: total minus upstream time and deliberate waits',
    labelNames: ['provider', 'model'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  private readonly tokensIn = new Counter({
    name: 'heimdall_tokens_input_total',
    help: 'Prompt (input) tokens reported by providers',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });
  private readonly tokensOut = new Counter({
    name: 'heimdall_tokens_output_total',
    help: 'Completion (output) tokens reported by providers',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });
  readonly costUsd = new Counter({
    name: 'heimdall_cost_usd_total',
    help: 'Cost in US dollars of settled usage (fed by governance once prices are known)',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });

  /** The model label value, `other` past the per-provider cap. */
  modelLabel(provider: string, model: string): string {
    let seen = this.modelsSeen.get(provider);
    if (seen === undefined) {
      seen = new Set();
      this.modelsSeen.set(provider, seen);
    }
    if (seen.has(model)) return model;
    if (seen.size >= MAX_MODELS_PER_PROVIDER) return 'other';
    seen.add(model);
    return model;
  }

  observeAttempt(attempt: AttemptRecord): void {
    const model = this.modelLabel(attempt.provider, attempt.model);
    const status = String(attempt.status);
    if (!attempt.mocked)
      this.upstreamLatency.labels(attempt.provider, model, status).observe(attempt.latencyMs / 1000);
    const usage = attempt.usage;
    if (usage) {
      if (usage.inputTokens > 0) this.tokensIn.labels(attempt.provider, model).inc(usage.inputTokens);
      if (usage.outputTokens > 0) this.tokensOut.labels(attempt.provider, model).inc(usage.outputTokens);
    }
  }

  observeRequest(ctx: RequestContext): void {
    const target = ctx.served ?? ctx.targets[0];
    const provider = target?.provider.name ?? NONE;
    const model = target ? this.modelLabel(provider, target.model) : NONE;
    const status = String(ctx.status);
    this.requests.labels(provider, model, status).inc();
    if (ctx.error) this.errors.labels(provider, model, status, ctx.error.type).inc();
    const overheadMs = performance.now() - ctx.startedAt - ctx.externalMs;
    if (target) this.overhead.labels(provider, model).observe(Math.max(0, overheadMs) / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
