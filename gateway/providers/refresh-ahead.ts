/**
 * A cache of minted cloud credentials (AWS chain credentials, Entra ID tokens) that keeps the hot
 * path free of token calls: one entry per identity, served while more than `marginMs` from
 * expiry, and minted again in the background `leadMs` before that point so requests never wait
 * for a renewal while the old credential is still good. Only when the background renewal failed
 * (or the credential is short-lived) does a request mint on its own path. Concurrent callers share
 * one mint; a failed mint is not kept, so the next call tries again.
 */

export interface Minted {
  /** Epoch ms; undefined never expires. */
  expiresAt?: number | undefined;
}

interface Entry<T> {
  value?: T;
  pending?: Promise<T>;
  timer?: NodeJS.Timeout;
}

/** setTimeout's ceiling (about 24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class RefreshAhead<T extends Minted> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly marginMs: number,
    private readonly leadMs: number,
  ) {}

  private fresh(value: T | undefined): value is T {
    return (
      value !== undefined && (value.expiresAt === undefined || value.expiresAt - this.marginMs > Date.now())
    );
  }

  get(id: string, mint: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = {};
      this.entries.set(id, entry);
    }
    if (this.fresh(entry.value)) return Promise.resolve(entry.value);
    return this.mint(id, entry, mint);
  }

  private mint(id: string, entry: Entry<T>, mint: () => Promise<T>): Promise<T> {
    entry.pending ??= mint()
      .then((value) => {
        entry.value = value;
        this.schedule(id, entry, mint);
        return value;
      })
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  }

  private schedule(id: string, entry: Entry<T>, mint: () => Promise<T>): void {
    clearTimeout(entry.timer);
    const expiresAt = entry.value?.expiresAt;
    if (expiresAt === undefined) return;
    const delay = expiresAt - this.marginMs - this.leadMs - Date.now();
    // Too short-lived to renew ahead: renewing now would loop; requests renew it on their path.
    if (delay <= 0) return;
    entry.timer = setTimeout(
      () => {
        // A failure keeps the still-valid value; the next request past the margin tries again.
        if (this.entries.get(id) === entry) this.mint(id, entry, mint).catch(() => undefined);
      },
      Math.min(delay, MAX_DELAY_MS),
    );
    // Never keeps the process alive (shutdown, tests).
    entry.timer.unref();
  }

  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }
}
