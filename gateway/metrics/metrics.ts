/**
 * Prometheus metrics of the data plane, in their own Registry (never the global one). Labels
 * are provider, model and status only (errors add a bounded `type`); a model keeps its name only
 * when configured or catalogued for the provider (model-labels.ts), else it is `other`, so a
 * wildcard key cannot grow cardinality from client input; a per-provider cap backs that up. Every request
 * updates them, so they are FastCounter/FastHistogram (no per-call label hashing); the Registry
 * still renders them exactly as prom-client's Counter/Histogram would.
 */
import { Registry } from 'prom-client';
import type { RequestContext } from '../context.ts';
import type { AttemptRecord } from '../core/attempt.ts';
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';
import { FastCounter, FastHistogram } from './fast-metrics.ts';
import { CustomLabels } from './custom-labels.ts';
import { KnownModels } from './model-labels.ts';

/** Distinct model label values kept per provider; later ones are counted as `other`. */
export const MAX_MODELS_PER_PROVIDER = 200;
const NONE = 'none';
const OTHER = 'other';

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly modelsSeen = new Map<string, Set<string>>();
  private readonly known: KnownModels | undefined;

  /** `current` (the snapshot in force) limits model labels to configured or catalogued models. */
  constructor(current?: () => CompiledSnapshot) {
    this.known = current ? new KnownModels(current) : undefined;
  }

  // Carry the `client.prometheus_labels` of the snapshot in force; rebuilt when those change.
  private custom = new CustomLabels([]);
  private labelledSnapshot: CompiledSnapshot | undefined;
  private requests = this.requestCounter();
  private errors = this.errorCounter();

  private requestCounter(): FastCounter {
    return new FastCounter(this.registry, {
      name: 'heimdall_requests_total',
      help: 'Inference requests by the provider and model that answered (or the primary) and final status',
      labelNames: ['provider', 'model', 'status', ...this.custom.names],
    });
  }

  private errorCounter(): FastCounter {
    return new FastCounter(this.registry, {
      name: 'heimdall_errors_total',
      help: 'Failed requests by error type (failed attempts show in heimdall_upstream_latency_seconds by status)',
      labelNames: ['provider', 'model', 'status', 'type', ...this.custom.names],
    });
  }

  /**
   * The custom labels of `snapshot`. A different label set starts the two request counters
   * afresh (a counter reset, which Prometheus' rate() handles), as series cannot change labels.
   */
  private customLabels(snapshot: CompiledSnapshot): CustomLabels {
    if (snapshot === this.labelledSnapshot) return this.custom;
    this.labelledSnapshot = snapshot;
    const names = snapshot.client.prometheus_labels ?? [];
    if (names.join(',') === this.custom.names.join(',')) return this.custom;
    this.custom = new CustomLabels(names);
    this.registry.removeSingleMetric('heimdall_requests_total');
    this.registry.removeSingleMetric('heimdall_errors_total');
    this.requests = this.requestCounter();
    this.errors = this.errorCounter();
    return this.custom;
  }
  private readonly upstreamLatency = new FastHistogram(this.registry, {
    name: 'heimdall_upstream_latency_seconds',
    help: 'Time from sending an attempt upstream to the end of its response',
    labelNames: ['provider', 'model', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  });
  private readonly overhead = new FastHistogram(this.registry, {
    name: 'heimdall_gateway_overhead_seconds',
    help: 'Time a request spent in Heimdall itself: total minus upstream time and deliberate waits',
    labelNames: ['provider', 'model'],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
  });
  private readonly tokensIn = new FastCounter(this.registry, {
    name: 'heimdall_tokens_input_total',
    help: 'Prompt (input) tokens reported by providers',
    labelNames: ['provider', 'model'],
  });
  private readonly tokensOut = new FastCounter(this.registry, {
    name: 'heimdall_tokens_output_total',
    help: 'Completion (output) tokens reported by providers',
    labelNames: ['provider', 'model'],
  });
  private readonly costUsd = new FastCounter(this.registry, {
    name: 'heimdall_cost_usd_total',
    help: 'Cost in US dollars of settled usage (fed by governance once prices are known)',
    labelNames: ['provider', 'model'],
  });

  /** The model label value: `other` for a model not configured for the provider, or past the cap. */
  modelLabel(provider: string, model: string): string {
    if (this.known !== undefined && !this.known.has(provider, model)) return OTHER;
    let seen = this.modelsSeen.get(provider);
    if (seen === undefined) {
      seen = new Set();
      this.modelsSeen.set(provider, seen);
    }
    if (seen.has(model)) return model;
    if (seen.size >= MAX_MODELS_PER_PROVIDER) return OTHER;
    seen.add(model);
    return model;
  }

  observeAttempt(attempt: AttemptRecord): void {
    const model = this.modelLabel(attempt.provider, attempt.model);
    const status = String(attempt.status);
    if (!attempt.mocked)
      this.upstreamLatency.observe([attempt.provider, model, status], attempt.latencyMs / 1000);
    const usage = attempt.usage;
    if (usage) {
      if (usage.inputTokens > 0) this.tokensIn.inc([attempt.provider, model], usage.inputTokens);
      if (usage.outputTokens > 0) this.tokensOut.inc([attempt.provider, model], usage.outputTokens);
    }
  }

  observeRequest(ctx: RequestContext): void {
    const target = ctx.served ?? ctx.targets[0];
    const provider = target?.provider.name ?? NONE;
    const model = target ? this.modelLabel(provider, target.model) : NONE;
    const status = String(ctx.status);
    const custom = this.customLabels(ctx.snapshot).values(ctx.req.headers);
    this.requests.inc([provider, model, status, ...custom]);
    if (ctx.error) this.errors.inc([provider, model, status, ctx.error.type, ...custom]);
    const overheadMs = performance.now() - ctx.startedAt - ctx.externalMs;
    if (target) this.overhead.observe([provider, model], Math.max(0, overheadMs) / 1000);
  }

  /** Settled cost in US dollars; `model` is already the capped label from modelLabel. */
  addCost(provider: string, model: string, usd: number): void {
    this.costUsd.inc([provider, model], usd);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
