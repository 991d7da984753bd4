/**
 * The live database state in the shape of the config file: what `export` writes and what a
 * plan/apply diff compares against. Virtual key values cannot be read back (only their hash and
 * last four characters are stored), so live virtual keys carry `value_hash`/`value_suffix`
 * instead of `value`.
 */
import type { z } from 'zod';
import type { GovernanceConfig, virtualKey } from '../config/governance.ts';
import { clientConfig, type ClientConfig, type PluginConfig } from '../config/model.ts';
import type { ProviderConfig } from '../config/providers.ts';
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import { microsToDollars } from '../repositories/budgets.ts';
import type { ProviderKeyRecord } from '../repositories/provider-keys.ts';
import type { ProviderRecord } from '../repositories/providers.ts';
import {
  KEY_CONFIG_SECRETS,
  PROXY_SECRETS,
  presentFields,
  presentSecret,
  type SecretMode,
} from '../secrets.ts';
import { groupBy, loadLiveRows, type LiveRows } from './rows.ts';

export type LiveVirtualKey = Omit<z.infer<typeof virtualKey>, 'value'> & {
  value_hash: string;
  value_suffix: string;
};

export interface LiveConfig {
  version: number;
  client: ClientConfig;
  providers: Record<string, ProviderConfig>;
  governance: Omit<GovernanceConfig, 'virtual_keys'> & { virtual_keys: LiveVirtualKey[] };
  plugins: PluginConfig[];
}

export interface ReadLiveConfigOptions {
  /** `plain` decrypts, `masked` shows `********abcd`, `reference` turns literals into `env.NAME`. */
  secrets: SecretMode;
}

/** Copies an object without its null and undefined members: the file omits what is unset. */
export function compact<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(
    Object.entries(value).filter(([, inner]) => inner !== null && inner !== undefined),
  ) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}

/** A stored key in the file's shape; `plain` mode is also what the gateway snapshot carries. */
export type LiveProviderKey = ProviderConfig['keys'][number] & { id: string };

function keyToConfig(key: ProviderKeyRecord, mode: SecretMode): LiveProviderKey {
  const names = [key.provider, key.name];
  return compact({
    id: key.id,
    name: key.name,
    value: presentSecret(key.value, mode, [...names, 'value']),
    weight: key.weight,
    models: key.models,
    blacklisted_models: key.blacklistedModels,
    aliases: key.aliases,
    enabled: key.enabled,
    use_for_batch_api: key.useForBatchApi,
    azure_key_config: presentFields(key.azureKeyConfig, KEY_CONFIG_SECRETS.azureKeyConfig, mode, [
      ...names,
      'azure',
    ]),
    bedrock_key_config: presentFields(key.bedrockKeyConfig, KEY_CONFIG_SECRETS.bedrockKeyConfig, mode, [
      ...names,
      'bedrock',
    ]),
    vertex_key_config: presentFields(key.vertexKeyConfig, KEY_CONFIG_SECRETS.vertexKeyConfig, mode, [
      ...names,
      'vertex',
    ]),
    ollama_key_config: key.ollamaKeyConfig,
    sgl_key_config: key.sglKeyConfig,
    vllm_key_config: key.vllmKeyConfig,
    replicate_key_config: key.replicateKeyConfig,
    huggingface_key_config: key.huggingfaceKeyConfig,
  });
}

function providerToConfig(
  provider: ProviderRecord,
  keys: ProviderKeyRecord[],
  mode: SecretMode,
): ProviderConfig & { keys: LiveProviderKey[] } {
  return compact({
    keys: keys.map((key) => keyToConfig(key, mode)),
    network_config: provider.networkConfig,
    concurrency_and_buffer_size: provider.concurrencyAndBufferSize,
    proxy_config: presentFields(provider.proxyConfig, PROXY_SECRETS, mode, [provider.name, 'proxy']),
    custom_provider_config: provider.customProviderConfig,
    send_back_raw_response: provider.sendBackRawResponse,
  });
}

export function providersToConfig(
  rows: LiveRows,
  mode: SecretMode,
): Record<string, ProviderConfig & { keys: LiveProviderKey[] }> {
  const keysByProvider = groupBy(rows.providerKeys, (key) => key.provider);
  return Object.fromEntries(
    rows.providers.map((provider) => [
      provider.name,
      providerToConfig(provider, keysByProvider.get(provider.name) ?? [], mode),
    ]),
  );
}

const limits = (row: { budgetId: string | null; rateLimitId: string | null }) =>
  compact({ budget_id: row.budgetId, rate_limit_id: row.rateLimitId });

function virtualKeysToConfig(rows: LiveRows): LiveVirtualKey[] {
  return rows.virtualKeys.map((vk) =>
    compact({
      id: vk.id,
      name: vk.name,
      value_hash: vk.valueHash,
      value_suffix: vk.valueSuffix,
      description: vk.description,
      is_active: vk.isActive,
      ...limits(vk),
      team_id: vk.teamId,
      customer_id: vk.customerId,
      provider_configs: vk.providerConfigs.map((pc) => ({
        provider: pc.provider,
        weight: pc.weight,
        allowed_models: pc.allowedModels,
        key_ids: pc.keyIds,
        ...limits(pc),
      })),
    }),
  );
}

function authToConfig(rows: LiveRows, mode: SecretMode): GovernanceConfig['auth_config'] {
  if (!rows.auth) return undefined;
  const auth = rows.auth as NonNullable<GovernanceConfig['auth_config']>;
  const stored = rows.adminUsers.find((user) => user.username === auth.admin_username)?.passwordHash;
  if (!stored) return auth;
  // A hash cannot be turned back into the password; only a reference can be shown as it is.
  const password = stored.startsWith('env.')
    ? stored
    : mode === 'reference'
      ? 'env.ADMIN_PASSWORD'
      : undefined;
  const shown = mode === 'masked' ? '********' : password;
  return compact({ ...auth, admin_password: shown });
}

function governanceToConfig(rows: LiveRows, mode: SecretMode): LiveConfig['governance'] {
  return compact({
    budgets: rows.budgets.map((b) => ({
      id: b.id,
      max_limit: microsToDollars(b.maxLimitMicros),
      reset_duration: b.resetDuration,
      calendar_aligned: b.calendarAligned,
      mode: b.mode,
    })),
    rate_limits: rows.rateLimits.map((r) =>
      compact({
        id: r.id,
        token_max_limit: r.tokenMaxLimit,
        token_reset_duration: r.tokenResetDuration,
        request_max_limit: r.requestMaxLimit,
        request_reset_duration: r.requestResetDuration,
      }),
    ),
    customers: rows.customers.map((c) => ({ id: c.id, name: c.name, ...limits(c) })),
    teams: rows.teams.map((t) =>
      compact({ id: t.id, name: t.name, customer_id: t.customerId, ...limits(t) }),
    ),
    virtual_keys: virtualKeysToConfig(rows),
    model_configs: rows.modelConfigs.map((m) =>
      compact({ id: m.id, model_name: m.modelName, provider: m.provider, ...limits(m) }),
    ),
    providers: rows.providerGovernance.map((p) =>
      compact({
        name: p.name,
        ...limits(p),
        send_back_raw_request: p.sendBackRawRequest,
        send_back_raw_response: p.sendBackRawResponse,
      }),
    ),
    routing_rules: rows.routingRules.map((r) =>
      compact({
        id: r.id,
        name: r.name,
        description: r.description,
        enabled: r.enabled,
        cel_expression: r.celExpression,
        targets: r.targets,
        fallbacks: r.fallbacks,
        scope: r.scope,
        scope_id: r.scopeId,
        priority: r.priority,
      }),
    ),
    auth_config: authToConfig(rows, mode),
  });
}

/** Client settings as stored, with defaults for anything added since they were written. */
export const clientFromRows = (rows: LiveRows): ClientConfig => clientConfig.parse(rows.client ?? {});

export async function readLiveConfig(
  database: Database,
  box: SecretBox,
  options: ReadLiveConfigOptions,
): Promise<LiveConfig> {
  const rows = await loadLiveRows(database, box);
  return {
    version: rows.version,
    client: clientFromRows(rows),
    providers: providersToConfig(rows, options.secrets),
    governance: governanceToConfig(rows, options.secrets),
    plugins: rows.plugins.map((p) => ({
      name: p.name,
      enabled: p.enabled,
      version: p.version,
      config: p.config,
    })),
  };
}
