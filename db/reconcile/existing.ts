/** What the database already holds, keyed as the config file keys it: one query per table. */
import type { Database } from '../connection/types.ts';
import { listMeta } from '../repositories/meta.ts';

export interface ExistingState {
  budgets: Set<string>;
  rateLimits: Set<string>;
  customers: Set<string>;
  teams: Set<string>;
  providers: Set<string>;
  /** `provider/name` → row id. */
  providerKeys: Map<string, string>;
  virtualKeys: Set<string>;
  modelConfigs: Set<string>;
  providerGovernance: Set<string>;
  routingRules: Set<string>;
  /** name → stored version. */
  plugins: Map<string, number>;
  /** config_meta entries: settings (`client`, `auth`) and fingerprints (`fingerprint:<label>`). */
  meta: Map<string, string>;
}

export const keyOf = (provider: string, name: string) => `${provider}/${name}`;

export function loadExisting(db: Database): Promise<ExistingState> {
  return db.run(async ({ orm, t }) => {
    const ids = async (rows: Promise<Array<{ id: string }>>) => new Set((await rows).map((row) => row.id));
    const keys = await orm
      .select({ id: t.providerKeys.id, provider: t.providerKeys.provider, name: t.providerKeys.name })
      .from(t.providerKeys);
    const plugins = await orm.select({ name: t.plugins.name, version: t.plugins.version }).from(t.plugins);
    return {
      budgets: await ids(orm.select({ id: t.budgets.id }).from(t.budgets)),
      rateLimits: await ids(orm.select({ id: t.rateLimits.id }).from(t.rateLimits)),
      customers: await ids(orm.select({ id: t.customers.id }).from(t.customers)),
      teams: await ids(orm.select({ id: t.teams.id }).from(t.teams)),
      providers: await ids(orm.select({ id: t.providers.name }).from(t.providers)),
      providerKeys: new Map(keys.map((key) => [keyOf(key.provider, key.name), key.id])),
      virtualKeys: await ids(orm.select({ id: t.virtualKeys.id }).from(t.virtualKeys)),
      modelConfigs: await ids(orm.select({ id: t.modelConfigs.id }).from(t.modelConfigs)),
      providerGovernance: await ids(orm.select({ id: t.providerGovernance.name }).from(t.providerGovernance)),
      routingRules: await ids(orm.select({ id: t.routingRules.id }).from(t.routingRules)),
      plugins: new Map(plugins.map((plugin) => [plugin.name, plugin.version])),
      meta: await listMeta(db, ''),
    };
  });
}
