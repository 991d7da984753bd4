/**
 * Per-key health across requests: a key whose upstream keeps failing for reasons that belong to
 * the key (401/403: revoked or wrong; 429: its quota; 5xx and connect errors: its region or
 * deployment) is cooled down for KEY_COOLDOWN_MS after KEY_COOLDOWN_AFTER_FAILURES failures in a
 * row, so key choice prefers the provider's other keys meanwhile. Nothing is refused because of
 * it: when every key is cooling, one is still used. The key comes back by itself when the time is
 * up; one more failure right after puts it back (the count is kept until a success resets it).
 */
import type { AttemptRecord } from '../core/attempt.ts';

/** @default 3 key-specific failures in a row start a cooldown. */
export const KEY_COOLDOWN_AFTER_FAILURES = 3;
/** @default 30 s: long enough to spare callers a dead region, short enough to notice its return. */
export const KEY_COOLDOWN_MS = 30_000;

/** Upstream statuses that say something about the key (or its endpoint) rather than the request. */
export function isKeySpecificFailure(status: number, type: string): boolean {
  if (type !== 'upstream_error') return false;
  return status === 401 || status === 403 || status === 429 || status >= 500;
}

interface KeyState {
  keyName: string;
  /** Key-specific failures since the last success. */
  failures: number;
  /** Epoch ms until which the key is cooling down (0 when it is not). */
  coolUntil: number;
  /** Cooldowns started so far (a counter for /metrics). */
  cooldowns: number;
}

export interface KeyHealthEntry {
  provider: string;
  keyName: string;
  cooling: boolean;
  cooldowns: number;
}

export interface KeyHealthOptions {
  failuresBeforeCooldown?: number;
  cooldownMs?: number;
  /** Injectable clock (tests). @default Date.now */
  now?: () => number;
}

/**
 * Keys to steer one attempt away from, per provider: those that failed earlier in the request
 * and those cooling down. Weighted choice then runs among the rest.
 */
export interface KeyAvoidance {
  failedHere: ReadonlySet<string>;
  cooling(keyId: string): boolean;
}

export class KeyHealth {
  /** provider → key id → state; only keys that ever failed (bounded by the configured keys). */
  private readonly providers = new Map<string, Map<string, KeyState>>();
  /** provider → the latest cooldown end, so a provider with nothing cooling costs one lookup. */
  private readonly coolingUntil = new Map<string, number>();
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: KeyHealthOptions = {}) {
    this.threshold = Math.max(1, options.failuresBeforeCooldown ?? KEY_COOLDOWN_AFTER_FAILURES);
    this.cooldownMs = options.cooldownMs ?? KEY_COOLDOWN_MS;
    this.now = options.now ?? Date.now;
  }

  /** Records a settled attempt that used a configured key (mocked and direct-key ones say nothing). */
  observe(record: AttemptRecord): void {
    if (record.mocked || record.keyId === undefined || record.keyId === 'direct') return;
    if (record.error === undefined && record.status > 0 && record.status < 400)
      this.succeeded(record.provider, record.keyId);
    else if (record.error !== undefined && isKeySpecificFailure(record.status, record.error.type))
      this.failed(record.provider, record.keyId, record.keyName ?? record.keyId);
  }

  failed(provider: string, keyId: string, keyName: string): void {
    let keys = this.providers.get(provider);
    if (keys === undefined) {
      keys = new Map();
      this.providers.set(provider, keys);
    }
    let state = keys.get(keyId);
    if (state === undefined) {
      state = { keyName, failures: 0, coolUntil: 0, cooldowns: 0 };
      keys.set(keyId, state);
    }
    state.keyName = keyName; // a renamed key shows under its current name
    state.failures++;
    const now = this.now();
    if (state.failures < this.threshold || state.coolUntil > now) return;
    state.coolUntil = now + this.cooldownMs;
    state.cooldowns++;
    this.coolingUntil.set(provider, Math.max(this.coolingUntil.get(provider) ?? 0, state.coolUntil));
  }

  succeeded(provider: string, keyId: string): void {
    const state = this.providers.get(provider)?.get(keyId);
    if (state === undefined) return;
    state.failures = 0;
    state.coolUntil = 0;
  }

  isCooling(provider: string, keyId: string): boolean {
    const until = this.providers.get(provider)?.get(keyId)?.coolUntil ?? 0;
    return until > this.now();
  }

  /**
   * What the next attempt on `provider` should avoid, or undefined when nothing (the common case:
   * no failure earlier in this request and no key of the provider cooling).
   */
  avoidance(provider: string, attempts: readonly AttemptRecord[]): KeyAvoidance | undefined {
    let failedHere: Set<string> | undefined;
    for (const attempt of attempts) {
      if (attempt.provider !== provider || attempt.keyId === undefined || attempt.error === undefined)
        continue;
      if (!isKeySpecificFailure(attempt.status, attempt.error.type)) continue;
      (failedHere ??= new Set()).add(attempt.keyId);
    }
    // No provider ever cooled (the common case): no clock read, which every attempt paid.
    const anyCooling = this.coolingUntil.size > 0 && (this.coolingUntil.get(provider) ?? 0) > this.now();
    if (failedHere === undefined && !anyCooling) return undefined;
    return {
      failedHere: failedHere ?? new Set(),
      cooling: anyCooling ? (keyId) => this.isCooling(provider, keyId) : () => false,
    };
  }

  /** Every key that ever failed, for /metrics. */
  entries(): KeyHealthEntry[] {
    const now = this.now();
    const result: KeyHealthEntry[] = [];
    for (const [provider, keys] of this.providers)
      for (const state of keys.values())
        result.push({
          provider,
          keyName: state.keyName,
          cooling: state.coolUntil > now,
          cooldowns: state.cooldowns,
        });
    return result;
  }
}
