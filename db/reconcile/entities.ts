/**
 * The config file as a list of reconcilable entities, in foreign-key order: each knows its
 * label, the content its fingerprint covers, whether a row exists, and how to create or
 * overwrite it through the repositories (each entity's file → row mapping is in db/config-mapping/).
 */
import type { HeimdallConfig } from '../config/model.ts';
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import { createAdminUser, getAdminUser, setAdminPassword } from '../repositories/admin.ts';
import { createBudget, updateBudget } from '../repositories/budgets.ts';
import { createCustomer, createTeam, updateCustomer, updateTeam } from '../repositories/customers.ts';
import { setMeta } from '../repositories/meta.ts';
import * as models from '../repositories/model-configs.ts';
import { createProviderKey, updateProviderKey } from '../repositories/provider-keys.ts';
import { createProvider, updateProvider } from '../repositories/providers.ts';
import { createRateLimit, updateRateLimit } from '../repositories/rate-limits.ts';
import * as routing from '../repositories/routing.ts';
import { createVirtualKey, hashVirtualKey, updateVirtualKey } from '../repositories/virtual-keys.ts';
import {
  AUTH_META_KEY,
  authFromConfig,
  budgetFromConfig,
  clientFromConfig,
  CLIENT_META_KEY,
  customerFromConfig,
  modelConfigFromConfig,
  pluginFromConfig,
  providerFromConfig,
  providerGovernanceFromConfig,
  providerKeyFromConfig,
  rateLimitFromConfig,
  routingRuleFromConfig,
  teamFromConfig,
  virtualKeyFromConfig,
} from '../config-mapping/index.ts';
import { keyOf, type ExistingState } from './existing.ts';

export interface FileEntity {
  /** `budget:budget-dev`, `provider_key:openai/primary`, `client`… reported to the caller. */
  label: string;
  /** An entity that cannot exist without this one (a key without its provider). */
  parent?: string;
  /** What the fingerprint covers: the entity as the file states it. */
  content: unknown;
  exists: boolean;
  /** Set to decide overwrites by something other than a changed fingerprint (plugin versions). */
  overwrite?: boolean;
  create(tx: Database, box: SecretBox): Promise<unknown>;
  update(tx: Database, box: SecretBox): Promise<unknown>;
}

function withoutId<T extends { id?: unknown }>(value: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = value;
  return rest;
}

function governanceEntities(config: HeimdallConfig, have: ExistingState): FileEntity[] {
  const gov = config.governance;
  return [
    ...gov.budgets.map((b): FileEntity => {
      const row = budgetFromConfig(b);
      return {
        label: `budget:${b.id}`,
        content: b,
        exists: have.budgets.has(b.id),
        create: (tx) => createBudget(tx, row),
        update: (tx) => updateBudget(tx, b.id, withoutId(row)),
      };
    }),
    ...gov.rate_limits.map((r): FileEntity => {
      const row = rateLimitFromConfig(r);
      return {
        label: `rate_limit:${r.id}`,
        content: r,
        exists: have.rateLimits.has(r.id),
        create: (tx) => createRateLimit(tx, row),
        update: (tx) => updateRateLimit(tx, r.id, withoutId(row)),
      };
    }),
    ...gov.customers.map((c): FileEntity => {
      const row = customerFromConfig(c);
      return {
        label: `customer:${c.id}`,
        content: c,
        exists: have.customers.has(c.id),
        create: (tx) => createCustomer(tx, row),
        update: (tx) => updateCustomer(tx, c.id, withoutId(row)),
      };
    }),
    ...gov.teams.map((team): FileEntity => {
      const row = teamFromConfig(team);
      return {
        label: `team:${team.id}`,
        content: team,
        exists: have.teams.has(team.id),
        create: (tx) => createTeam(tx, row),
        update: (tx) => updateTeam(tx, team.id, withoutId(row)),
      };
    }),
  ];
}

function providerEntities(config: HeimdallConfig, have: ExistingState): FileEntity[] {
  return Object.entries(config.providers).flatMap(([name, provider]) => {
    const { keys, ...settings } = provider;
    const { name: _name, ...row } = providerFromConfig(name, provider);
    const self: FileEntity = {
      label: `provider:${name}`,
      content: settings,
      exists: have.providers.has(name),
      create: (tx, box) => createProvider(tx, box, { name, ...row }),
      update: (tx, box) => updateProvider(tx, box, name, row),
    };
    return [
      self,
      ...keys.map((key): FileEntity => {
        const keyRow = providerKeyFromConfig(name, key);
        const { id: _id, provider: _provider, ...keyPatch } = keyRow;
        const existingId = have.providerKeys.get(keyOf(name, key.name));
        return {
          label: `provider_key:${name}/${key.name}`,
          parent: self.label,
          content: key,
          exists: existingId !== undefined,
          create: (tx, box) => createProviderKey(tx, box, keyRow),
          // The row keeps its id: virtual keys and logs may already point at it.
          update: (tx, box) => updateProviderKey(tx, box, existingId ?? '', keyPatch),
        };
      }),
    ];
  });
}

function accessEntities(config: HeimdallConfig, have: ExistingState, env: NodeJS.ProcessEnv): FileEntity[] {
  const gov = config.governance;
  return [
    ...gov.virtual_keys.map((vk): FileEntity => {
      const row = virtualKeyFromConfig(vk, env);
      // Fingerprint the hash, not the value: an `env.VAR` whose variable changed is a change.
      const content = { ...vk, value: hashVirtualKey(row.value) };
      return {
        label: `virtual_key:${vk.id}`,
        content,
        exists: have.virtualKeys.has(vk.id),
        create: (tx) => createVirtualKey(tx, row),
        update: (tx) => updateVirtualKey(tx, vk.id, withoutId(row)),
      };
    }),
    ...gov.model_configs.map((m): FileEntity => {
      const row = modelConfigFromConfig(m);
      return {
        label: `model_config:${m.id}`,
        content: m,
        exists: have.modelConfigs.has(m.id),
        create: (tx) => models.createModelConfig(tx, row),
        update: (tx) => models.updateModelConfig(tx, m.id, withoutId(row)),
      };
    }),
    ...gov.providers.map((p): FileEntity => {
      const row = providerGovernanceFromConfig(p);
      const { name: _name, ...patch } = row;
      return {
        label: `provider_governance:${p.name}`,
        content: p,
        exists: have.providerGovernance.has(p.name),
        create: (tx) => models.createProviderGovernance(tx, row),
        update: (tx) => models.updateProviderGovernance(tx, p.name, patch),
      };
    }),
    ...gov.routing_rules.map((r): FileEntity => {
      const row = routingRuleFromConfig(r);
      return {
        label: `routing_rule:${r.id}`,
        content: r,
        exists: have.routingRules.has(r.id),
        create: (tx) => routing.createRoutingRule(tx, row),
        update: (tx) => routing.updateRoutingRule(tx, r.id, withoutId(row)),
      };
    }),
  ];
}

/** Plugins follow Bifrost's rule: the file replaces a stored plugin only with a higher version. */
function pluginEntities(config: HeimdallConfig, have: ExistingState): FileEntity[] {
  return config.plugins.map((plugin): FileEntity => {
    const stored = have.plugins.get(plugin.name);
    const row = pluginFromConfig(plugin);
    const { name, ...patch } = row;
    return {
      label: `plugin:${name}`,
      content: plugin,
      exists: stored !== undefined,
      overwrite: stored !== undefined && plugin.version > stored,
      create: (tx) => routing.createPlugin(tx, row),
      update: (tx) => routing.updatePlugin(tx, name, patch),
    };
  });
}

function settingsEntities(config: HeimdallConfig, have: ExistingState, env: NodeJS.ProcessEnv): FileEntity[] {
  const client: FileEntity = {
    label: 'client',
    content: config.client,
    exists: have.meta.has(CLIENT_META_KEY),
    create: (tx) => setMeta(tx, CLIENT_META_KEY, clientFromConfig(config.client)),
    update: (tx) => setMeta(tx, CLIENT_META_KEY, clientFromConfig(config.client)),
  };
  const auth = config.governance.auth_config;
  if (!auth) return [client];
  const { meta, username, password } = authFromConfig(auth);
  const write = async (tx: Database) => {
    await setMeta(tx, AUTH_META_KEY, meta);
    if (!username || !password) return;
    // A changed password revokes the admin's sessions (setAdminPassword); the same one does not.
    const user = await getAdminUser(tx, username);
    if (user) await setAdminPassword(tx, user.id, password, env);
    else await createAdminUser(tx, { username, password });
  };
  return [
    client,
    { label: 'auth', content: auth, exists: have.meta.has(AUTH_META_KEY), create: write, update: write },
  ];
}

export function fileEntities(
  config: HeimdallConfig,
  have: ExistingState,
  env: NodeJS.ProcessEnv,
): FileEntity[] {
  return [
    ...governanceEntities(config, have),
    ...providerEntities(config, have),
    ...accessEntities(config, have, env),
    ...pluginEntities(config, have),
    ...settingsEntities(config, have, env),
  ];
}
