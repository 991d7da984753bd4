/**
 * What the control plane needs to build the gateway's snapshot: provider secrets decrypted (or
 * left as `env.VAR` references for the gateway to resolve), virtual keys as hashes, money in
 * micro-dollars. Plain objects in the config file's field names, no database rows.
 */
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import { clientFromRows, providersToConfig } from './config.ts';
import { loadLiveRows, type LiveRows } from './rows.ts';
import type { ProviderSource, SnapshotSource } from './snapshot-types.ts';

const u = <T>(value: T | null): T | undefined => value ?? undefined;
const limits = (row: { budgetId: string | null; rateLimitId: string | null }) => ({
  budget_id: u(row.budgetId),
  rate_limit_id: u(row.rateLimitId),
});

/** The snapshot's providers are the live config's, secrets decrypted, under their names. */
function providersSource(rows: LiveRows): ProviderSource[] {
  return Object.entries(providersToConfig(rows, 'plain')).map(([name, provider]) => ({
    name,
    keys: provider.keys,
    network_config: provider.network_config,
    concurrency_and_buffer_size: provider.concurrency_and_buffer_size,
    proxy_config: provider.proxy_config,
    custom_provider_config: provider.custom_provider_config,
  }));
}

function governanceSource(rows: LiveRows): SnapshotSource['governance'] {
  return {
    budgets: rows.budgets.map((b) => ({
      id: b.id,
      max_limit_micros: b.maxLimitMicros,
      reset_duration: b.resetDuration,
      calendar_aligned: b.calendarAligned,
      mode: b.mode,
    })),
    rate_limits: rows.rateLimits.map((r) => ({
      id: r.id,
      token_max_limit: u(r.tokenMaxLimit),
      token_reset_duration: u(r.tokenResetDuration),
      request_max_limit: u(r.requestMaxLimit),
      request_reset_duration: u(r.requestResetDuration),
    })),
    customers: rows.customers.map((c) => ({ id: c.id, name: c.name, ...limits(c) })),
    teams: rows.teams.map((t) => ({ id: t.id, name: t.name, customer_id: u(t.customerId), ...limits(t) })),
    virtual_keys: rows.virtualKeys.map((vk) => ({
      id: vk.id,
      name: vk.name,
      valueHash: vk.valueHash,
      is_active: vk.isActive,
      team_id: u(vk.teamId),
      customer_id: u(vk.customerId),
      ...limits(vk),
      provider_configs: vk.providerConfigs.map((pc) => ({
        provider: pc.provider,
        weight: pc.weight,
        allowed_models: pc.allowedModels,
        key_ids: pc.keyIds,
        ...limits(pc),
      })),
    })),
    model_configs: rows.modelConfigs.map((m) => ({
      id: m.id,
      model_name: m.modelName,
      provider: u(m.provider),
      ...limits(m),
    })),
    providers: rows.providerGovernance.map((p) => ({ name: p.name, ...limits(p) })),
    routing_rules: rows.routingRules.map((r) => ({
      id: r.id,
      name: r.name,
      enabled: r.enabled,
      cel_expression: r.celExpression,
      targets: r.targets,
      fallbacks: r.fallbacks,
      scope: r.scope,
      scope_id: u(r.scopeId),
      priority: r.priority,
    })),
  };
}

export async function readSnapshotSource(database: Database, box: SecretBox): Promise<SnapshotSource> {
  const rows = await loadLiveRows(database, box);
  const { initial_pool_size: _pool, ...client } = clientFromRows(rows);
  return {
    version: rows.version,
    client,
    providers: providersSource(rows),
    governance: governanceSource(rows),
    plugins: rows.plugins.map((p) => ({
      name: p.name,
      enabled: p.enabled,
      version: p.version,
      config: p.config,
    })),
  };
}
