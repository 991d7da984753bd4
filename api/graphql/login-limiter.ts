/**
 * Slows password guessing. Failures are counted per (username, client address): after
 * `maxFailures` within the window that client may not try that username again until the window
 * has passed, even with the right password, while the admin still signs in from anywhere else (a
 * per-username count would let anyone lock the admin out). Each client address also has a larger
 * budget across all usernames, since every attempt costs an argon2 hash and spraying usernames
 * must not make guessing cheaper. In memory per replica: an attacker spreading over N replicas
 * gets N times the attempts, still far too few to matter against a real password.
 */
export interface LoginAttempt {
  username: string;
  /** The caller's address (the socket's remote address). */
  client: string;
}

export interface LoginLimiterOptions {
  /** Failures allowed per (username, client) within the window. @default 5 */
  maxFailures?: number;
  /** Failures allowed per client address within the window, whatever the usernames. @default 50 */
  maxClientFailures?: number;
  /** @default 15 minutes */
  windowMs?: number;
  /** Keys remembered at most (the oldest is forgotten first), so junk usernames cannot fill memory. @default 10000 */
  maxKeys?: number;
  now?: () => number;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly maxClientFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: LoginLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.maxClientFailures = options.maxClientFailures ?? 50;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Each key with the failures it allows; NUL cannot occur in an address, so keys never collide. */
  private limits(attempt: LoginAttempt): Array<[string, number]> {
    return [
      [`${attempt.client}\u0000${attempt.username}`, this.maxFailures],
      [attempt.client, this.maxClientFailures],
    ];
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((at) => at > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Seconds until this client may try this username again, or 0 when it may now. */
  retryAfterSeconds(attempt: LoginAttempt): number {
    let wait = 0;
    for (const [key, max] of this.limits(attempt)) {
      const list = this.recent(key);
      if (list.length >= max) wait = Math.max(wait, list[list.length - max]! + this.windowMs - this.now());
    }
    return Math.ceil(wait / 1000);
  }

  fail(attempt: LoginAttempt): void {
    for (const [key] of this.limits(attempt)) {
      this.failures.set(key, [...this.recent(key), this.now()]);
      if (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
    }
  }

  /** Forgets this pair's failures; the client's own count stays, so a success cannot reset spraying. */
  succeed(attempt: LoginAttempt): void {
    this.failures.delete(this.limits(attempt)[0]![0]);
  }
}
