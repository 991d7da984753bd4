/**
 * Counter and histogram for the request path. prom-client's own `labels(...).inc()` /
 * `.observe()` build a labels object, validate it and hash it into a string on every call
 * (~3 % of the serving thread); these keep plain numbers per series (found through a
 * SeriesTable) and hand prom-client's Registry, at scrape time only, the same `get()` data its
 * Counter and Histogram would. The Registry still renders the text, so /metrics is unchanged.
 * Sums are accumulated in observation order from zero, exactly as prom-client does, so even
 * float totals print the same digits.
 */
import type { Metric, Registry } from 'prom-client';
import { SeriesTable, type LabelValues } from './series.ts';

interface Config {
  name: string;
  help: string;
  labelNames: readonly string[];
}

/** One line's data as the Registry reads it (prom-client's histogram `setValuePair` shape). */
interface Value {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName?: string;
  exemplar?: null;
}

interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Value[];
  aggregator: 'sum';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function validate(config: Config): void {
  if (!METRIC_NAME.test(config.name)) throw new Error(`Invalid metric name: ${config.name}`);
  for (const label of config.labelNames)
    if (!LABEL_NAME.test(label)) throw new Error(`Invalid label name: ${label}`);
}

/** The Registry only calls `get()`/`getForPromString()`, `reset()` and reads `name`/`type`. */
function register(registry: Registry, metric: FastCounter | FastHistogram): void {
  registry.registerMetric(metric as unknown as Metric);
}

interface CounterSeries {
  readonly labels: Record<string, string>;
  value: number;
}

export class FastCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  name: string; // the Registry renames counters when rendering OpenMetrics
  readonly help: string;
  private readonly table: SeriesTable<CounterSeries>;

  constructor(registry: Registry, config: Config) {
    validate(config);
    this.name = config.name;
    this.help = config.help;
    this.table = new SeriesTable(config.labelNames, (labels) => ({ labels, value: 0 }));
    register(registry, this);
  }

  inc(labels: LabelValues, by = 1): void {
    if (!Number.isFinite(by)) throw new TypeError(`Value is not a valid number: ${by}`);
    if (by < 0) throw new Error('It is not possible to decrease a counter');
    this.table.get(labels).value += by;
  }

  get(): Promise<MetricData> {
    const values = this.table.series.map(({ labels, value }) => ({ labels, value }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }

  reset(): void {
    this.table.reset();
  }
}

interface HistogramSeries {
  readonly labels: Record<string, string>;
  /** Observations per bucket, not cumulative; above the last bound only `count` grows. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  private readonly table: SeriesTable<HistogramSeries>;

  constructor(registry: Registry, config: Config & { buckets: readonly number[] }) {
    validate(config);
    if (config.labelNames.includes('le')) throw new Error('le is a reserved label keyword');
    this.name = config.name;
    this.help = config.help;
    this.bounds = [...config.buckets];
    const size = this.bounds.length;
    this.table = new SeriesTable(config.labelNames, (labels) => ({
      labels,
      buckets: new Array<number>(size).fill(0),
      sum: 0,
      count: 0,
    }));
    register(registry, this);
  }

  observe(labels: LabelValues, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const series = this.table.get(labels);
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        series.buckets[i] = (series.buckets[i] as number) + 1;
        break;
      }
    }
    series.sum += value;
    series.count += 1;
  }

  /** What the Registry renders: per series cumulative `le` buckets, `+Inf`, `_sum`, `_count`. */
  getForPromString(): Promise<MetricData> {
    const bucket = `${this.name}_bucket`;
    const values: Value[] = [];
    for (const series of this.table.series) {
      const shared = series.labels;
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.buckets[i] as number;
        const le = this.bounds[i] as number;
        values.push({
          labels: { le },
          sharedLabels: shared,
          value: cumulative,
          metricName: bucket,
          exemplar: null,
        });
      }
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: shared,
          value: series.count,
          metricName: bucket,
          exemplar: null,
        },
        { labels: {}, sharedLabels: shared, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: shared, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }

  /** As prom-client's Histogram.get(): the series labels merged after `le` into one object. */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: Object.assign(labels, sharedLabels),
    }));
    return data;
  }

  reset(): void {
    this.table.reset();
  }
}
