/**
 * What the control plane needs to build the gateway's snapshot: provider secrets decrypted (or
 * left as `env.VAR` references for the gateway to resolve), virtual keys as hashes, money in
 * micro-dollars. Plain objects in the config file's field names, no database rows.
 */
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import { clientFromRows, compact } from './config.ts';
import { groupBy, loadLiveRows, type LiveRows } from './rows.ts';
import type { ProviderKeySource, ProviderSource, SnapshotSource } from './snapshot-types.ts';

const u = <T>(value: T | null): T | undefined => value ?? undefined;
const limits = (row: { budgetId: string | null; rateLimitId: string | null }) => ({
  budget_id: u(row.budgetId),
  rate_limit_id: u(row.rateLimitId),
});

function providersSource(rows: LiveRows): ProviderSource[] {
  const keysByProvider = groupBy(rows.providerKeys, (key) => key.provider);
  return rows.providers.map((p) => ({
    name: p.name,
    keys: (keysByProvider.get(p.name) ?? []).map((k): ProviderKeySource =>
      compact({
        id: k.id,
        name: k.name,
        value: k.value,
        weight: k.weight,
        models: k.models,
        blacklisted_models: k.blacklistedModels,
        aliases: k.aliases,
        enabled: k.enabled,
        use_for_batch_api: k.useForBatchApi,
        azure_key_config: k.azureKeyConfig,
        bedrock_key_config: k.bedrockKeyConfig,
        vertex_key_config: k.vertexKeyConfig,
        ollama_key_config: k.ollamaKeyConfig,
        sgl_key_config: k.sglKeyConfig,
        vllm_key_config: k.vllmKeyConfig,
        replicate_key_config: k.replicateKeyConfig,
        huggingface_key_config: k.huggingfaceKeyConfig,
      }),
    ),
    network_config: u(p.networkConfig),
    concurrency_and_buffer_size: u(p.concurrencyAndBufferSize),
    proxy_config: u(p.proxyConfig),
    custom_provider_config: u(p.customProviderConfig),
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
  const { initial_pool_size: _pool, prometheus_labels: _labels, ...client } = clientFromRows(rows);
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
