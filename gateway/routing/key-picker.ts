/** Weighted choice among a provider's keys for one model (key-select.ts memoises one per model). */
import type { ProviderKeySnapshot } from '../../clients/contract/snapshot.ts';
import type { KeyAvoidance } from './key-health.ts';

export class KeyPicker {
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(readonly keys: readonly ProviderKeySnapshot[]) {
    const weights = keys.map((key) => (Number.isFinite(key.weight) && key.weight > 0 ? key.weight : 0));
    const sum = weights.reduce((a, b) => a + b, 0);
    const effective = sum > 0 ? weights : weights.map(() => 1);
    let running = 0;
    this.cumulative = effective.map((weight) => (running += weight));
    this.total = running;
  }

  /** `random` is in [0, 1); injectable for tests. */
  pick(random: number = Math.random()): ProviderKeySnapshot {
    const target = random * this.total;
    const cumulative = this.cumulative;
    for (let i = 0; i < cumulative.length; i++) {
      if (target < cumulative[i]!) return this.keys[i]!;
    }
    return this.keys[this.keys.length - 1]!;
  }

  /**
   * Weighted choice among the keys `avoid` does not rule out: first keys neither failed in this
   * request nor cooling down, then keys not failed in this request, then any (never none).
   */
  pickAvoiding(avoid: KeyAvoidance | undefined, random: number = Math.random()): ProviderKeySnapshot {
    if (avoid === undefined) return this.pick(random);
    const untried = this.keys.filter((key) => !avoid.failedHere.has(key.id));
    const fresh = untried.filter((key) => !avoid.cooling(key.id));
    if (fresh.length === this.keys.length) return this.pick(random);
    const pool = fresh.length > 0 ? fresh : untried;
    return pool.length > 0 ? new KeyPicker(pool).pick(random) : this.pick(random);
  }

  /** Whether a key not failed in this request is left (a key-specific failure is worth a retry). */
  hasUntried(avoid: KeyAvoidance | undefined): boolean {
    return this.keys.some((key) => avoid === undefined || !avoid.failedHere.has(key.id));
  }
}
