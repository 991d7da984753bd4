/**
 * Slows password guessing: after too many failed logins for a username or from one client
 * address within a window, further attempts are refused until the window has passed, even with
 * the right password. In memory per replica: an attacker spreading over N replicas gets N times
 * the attempts, still far too few to matter against a real password.
 */
export interface LoginLimiterOptions {
  /** Failures allowed per key within the window. @default 5 */
  maxFailures?: number;
  /** @default 15 minutes */
  windowMs?: number;
  now?: () => number;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: LoginLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((at) => at > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Seconds until another attempt is allowed for these keys, or 0 when allowed now. */
  retryAfterSeconds(keys: string[]): number {
    let wait = 0;
    for (const key of keys) {
      const list = this.recent(key);
      if (list.length >= this.maxFailures) wait = Math.max(wait, list[0]! + this.windowMs - this.now());
    }
    return Math.ceil(wait / 1000);
  }

  fail(keys: string[]): void {
    for (const key of keys) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeed(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}
