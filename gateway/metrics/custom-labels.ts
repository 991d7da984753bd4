/**
 * `client.prometheus_labels`: extra labels on the request metrics, each filled from the request's
 * `x-bf-prom-<label>` header as in Bifrost. Header values are client input, so the series they can
 * create are bounded: a value keeps its own series only if it is short and plain (letters,
 * digits, `_ . - : / @`, at most 64 characters; else `invalid`), and only the first 50 distinct
 * values per label do (later ones are `other`, until the labels are reconfigured). A request
 * without the header has the label empty, which Prometheus treats as absent.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const MAX_VALUES_PER_LABEL = 50;
export const MAX_LABEL_VALUE_LENGTH = 64;
const PLAIN_VALUE = /^[A-Za-z0-9_.\-:/@]+$/;

export class CustomLabels {
  private readonly headers: string[];
  private readonly seen: Set<string>[];

  constructor(readonly names: readonly string[]) {
    // Node lowercases header names; label names may have capitals (`teamId` ← x-bf-prom-teamid).
    this.headers = names.map((name) => `x-bf-prom-${name.toLowerCase()}`);
    this.seen = names.map(() => new Set());
  }

  /** The label values for one request, in `names` order. */
  values(headers: IncomingHttpHeaders): string[] {
    return this.headers.map((header, i) => {
      const raw = headers[header];
      const value = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
      if (value === '') return '';
      if (value.length > MAX_LABEL_VALUE_LENGTH || !PLAIN_VALUE.test(value)) return 'invalid';
      const seen = this.seen[i]!;
      if (seen.has(value)) return value;
      if (seen.size >= MAX_VALUES_PER_LABEL) return 'other';
      seen.add(value);
      return value;
    });
  }
}
