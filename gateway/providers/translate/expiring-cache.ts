/**
 * A cache of minted credentials (STS keys, OAuth tokens): one entry per identity, reused until
 * `marginMs` before it expires, then minted again. Concurrent callers share one mint; a failed
 * mint is forgotten so the next call tries again.
 */
export interface Expiring {
  /** Epoch ms; undefined never expires. */
  expiresAt?: number | undefined;
}

export class ExpiringCache<T extends Expiring> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly marginMs: number) {}

  private fresh(value: T | undefined): value is T {
    return (
      value !== undefined && (value.expiresAt === undefined || value.expiresAt - this.marginMs > Date.now())
    );
  }

  async get(id: string, mint: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(id);
    if (hit) {
      const value = await hit.catch(() => undefined);
      if (this.fresh(value)) return value;
      // Someone else started a new mint while we waited: share it.
      const current = this.entries.get(id);
      if (current !== undefined && current !== hit) return this.get(id, mint);
    }
    const pending = mint();
    this.entries.set(id, pending);
    pending.catch(() => {
      if (this.entries.get(id) === pending) this.entries.delete(id);
    });
    return pending;
  }

  clear(): void {
    this.entries.clear();
  }
}
