/**
 * One metric's series, found by label values through nested Maps (one Map per label), so the
 * request path does a few Map lookups instead of prom-client's per-call work (build a labels
 * object, validate it, join a hash string). Nested Maps keep every tuple apart whatever the
 * label values contain; a joined key would need a separator that label values cannot hold.
 */

/** Label values in the metric's label-name order. */
export type LabelValues = readonly string[];

export class SeriesTable<S> {
  private root = new Map<string, unknown>();
  /** Every series in creation order, the order prom-client lists a metric's series in. */
  series: S[] = [];

  constructor(
    readonly labelNames: readonly string[],
    private readonly create: (labels: Record<string, string>) => S,
  ) {
    if (labelNames.length === 0) throw new Error('SeriesTable: a metric needs at least one label');
  }

  /** The series for these label values, created (empty) on first use. */
  get(values: LabelValues): S {
    const last = this.labelNames.length - 1;
    if (values.length !== last + 1)
      throw new Error(
        `expected ${last + 1} label values (${this.labelNames.join(', ')}), got ${values.length}`,
      );
    let map = this.root;
    for (let i = 0; i < last; i++) {
      const value = values[i] as string;
      let next = map.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        map.set(value, next);
      }
      map = next;
    }
    const leaf = values[last] as string;
    let found = map.get(leaf) as S | undefined;
    if (found === undefined) {
      found = this.create(this.labelsOf(values));
      map.set(leaf, found);
      this.series.push(found);
    }
    return found;
  }

  reset(): void {
    this.root = new Map();
    this.series = [];
  }

  /** A labels object with keys in label-name order, as prom-client's `labels(...)` builds it. */
  private labelsOf(values: LabelValues): Record<string, string> {
    const labels: Record<string, string> = {};
    for (let i = 0; i < values.length; i++) labels[this.labelNames[i] as string] = values[i] as string;
    return labels;
  }
}
