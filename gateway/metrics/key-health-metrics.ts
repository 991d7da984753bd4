/**
 * Provider-key cooldowns in /metrics, read from KeyHealth at scrape time (a cooldown ends by the
 * clock, not by an event, so a value kept up to date by events would be stale). Series exist only
 * for keys that ever failed; labels are the provider and the key's configured name (never its
 * value), so cardinality is bounded by the configuration.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KeyHealth } from '../routing/key-health.ts';

export function registerKeyHealthMetrics(registry: Registry, health: KeyHealth): void {
  new Gauge({
    name: 'heimdall_provider_key_cooling_down',
    help: 'Whether a provider key is cooling down after repeated key-specific failures (1) or not (0)',
    labelNames: ['provider', 'key'],
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of health.entries())
        this.set({ provider: entry.provider, key: entry.keyName }, entry.cooling ? 1 : 0);
    },
  });
  new Counter({
    name: 'heimdall_provider_key_cooldowns_total',
    help: 'Cooldowns started per provider key (repeated 401/403/429/5xx/connect failures)',
    labelNames: ['provider', 'key'],
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of health.entries())
        this.inc({ provider: entry.provider, key: entry.keyName }, entry.cooldowns);
    },
  });
}
