/**
 * `applyConfig`: validate the whole document, plan it against the live state, and (unless a
 * dry run) write every change in one transaction that also bumps the config version. Nothing
 * is written when anything is invalid; `configChanged` is published after commit.
 */
import {
  bumpConfigVersion,
  clientFromConfig,
  CLIENT_META_KEY,
  readLiveConfig,
  setMeta,
  type ClientConfig,
  type Database,
  type HeimdallConfig,
  type LiveConfig,
} from '../../db/index.ts';
import type { Context } from '../context.ts';
import type { EntityKit } from '../crud.ts';
import { ValidationError } from '../errors.ts';
import { publishConfigChanged } from '../pubsub.ts';
import { KEY_SECRET_PATHS, PROVIDER_SECRET_PATHS, restoreMasked } from '../secrets.ts';
import { budgetKit } from '../types/budget.ts';
import { customerKit } from '../types/customer.ts';
import { modelConfigKit } from '../types/model-config.ts';
import { pluginKit } from '../types/plugin-config.ts';
import { providerGovernanceKit } from '../types/provider-governance.ts';
import { providerKeyKit } from '../types/provider-key.ts';
import { providerKit } from '../types/provider.ts';
import { rateLimitKit } from '../types/rate-limit.ts';
import { routingRuleKit } from '../types/routing-rule.ts';
import { teamKit } from '../types/team.ts';
import { virtualKeyKit } from '../types/virtual-key.ts';
import { isKept } from '../virtual-key-values.ts';
import { checkDocumentRepoints, maskedKeySecrets } from './guards.ts';
import { computePlan, KINDS, type EntityKind, type PlanEntry } from './plan.ts';
import { validateDocument } from './validate.ts';

export interface ApplyOptions {
  dryRun: boolean;
  prune: boolean;
}

export interface ApplyResult {
  entries: PlanEntry[];
  applied: boolean;
  /** The config version after applying; null when nothing was written. */
  version: number | null;
  warnings: string[];
}

const KITS: Record<Exclude<EntityKind, 'client'>, EntityKit<never, unknown>> = {
  budget: budgetKit,
  rate_limit: rateLimitKit,
  customer: customerKit,
  team: teamKit,
  provider: providerKit,
  provider_key: providerKeyKit,
  virtual_key: virtualKeyKit,
  model_config: modelConfigKit,
  provider_governance: providerGovernanceKit,
  routing_rule: routingRuleKit,
  plugin: pluginKit,
} as unknown as Record<Exclude<EntityKind, 'client'>, EntityKit<never, unknown>>;

/** GraphQL type names for `configChanged.changed`. */
const TYPE_NAMES: Record<EntityKind, string> = {
  budget: 'Budget',
  rate_limit: 'RateLimit',
  customer: 'Customer',
  team: 'Team',
  provider: 'Provider',
  provider_key: 'ProviderKey',
  virtual_key: 'VirtualKey',
  model_config: 'ModelConfig',
  provider_governance: 'ProviderGovernance',
  routing_rule: 'RoutingRule',
  plugin: 'PluginConfig',
  client: 'ClientSettings',
};

/** Masked secrets in the document (from an export) stand for the stored ones. */
function restoreSecrets(config: HeimdallConfig, live: LiveConfig): HeimdallConfig {
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([name, provider]) => {
      const stored = live.providers[name];
      const base = `providers.${name}`;
      const settings = restoreMasked(provider, stored, PROVIDER_SECRET_PATHS, (path) => `${base}.${path}`);
      const keys = provider.keys.map((key, i) =>
        restoreMasked(
          key,
          stored?.keys.find((k) => k.name === key.name),
          KEY_SECRET_PATHS,
          (path) => `${base}.keys[${i}].${path}`,
        ),
      );
      return [name, { ...settings, keys }];
    }),
  );
  return { ...config, providers };
}

function refuseValuelessCreates(config: HeimdallConfig, entries: PlanEntry[]): void {
  const issues = entries
    .filter((e) => e.kind === 'virtual_key' && e.action === 'create' && isKept(String(e.desired?.value)))
    .map((e) => ({
      path: `governance.virtual_keys[${config.governance.virtual_keys.findIndex((vk) => vk.id === e.id)}].value`,
      message: `virtual key "${e.id}" does not exist yet; give it a value (or create it with createVirtualKey)`,
    }));
  if (issues.length > 0) throw new ValidationError(issues);
}

async function write(tx: Database, ctx: Context, entry: PlanEntry): Promise<void> {
  if (entry.kind === 'client') {
    await setMeta(tx, CLIENT_META_KEY, clientFromConfig(entry.desired as ClientConfig));
    return;
  }
  const kit = KITS[entry.kind];
  if (entry.action === 'delete') await kit.remove(tx, entry.id, ctx);
  else if (entry.action === 'create') await kit.create(tx, ctx, entry.desired as never);
  else await kit.update(tx, ctx, entry.id, entry.desired as never);
}

export async function applyConfigDocument(
  ctx: Context,
  raw: unknown,
  options: ApplyOptions,
): Promise<ApplyResult> {
  let warnings: string[] = [];
  let entries: PlanEntry[] = [];
  let version: number | null = null;
  let logRepoints = () => {};
  const plan = async (db: Database) => {
    const live = await readLiveConfig(db, ctx.box, { secrets: 'plain' });
    const validated = validateDocument(raw, live, { prune: options.prune, env: ctx.env });
    warnings = validated.warnings;
    const masked = maskedKeySecrets(validated.config);
    const config = restoreSecrets(validated.config, live);
    entries = computePlan(config, live, { prune: options.prune, sections: validated.sections, env: ctx.env });
    refuseValuelessCreates(config, entries);
    logRepoints = checkDocumentRepoints(ctx, { config, live, entries, masked });
    return entries.filter((e) => e.action !== 'unchanged');
  };
  if (options.dryRun) {
    await plan(ctx.database);
    return { entries, applied: false, version, warnings };
  }
  const changes = await ctx.database.transaction(async (tx) => {
    const pending = await plan(tx);
    if (pending.length === 0) return pending;
    for (const kind of KINDS)
      for (const e of pending) if (e.kind === kind && e.action !== 'delete') await write(tx, ctx, e);
    for (const kind of [...KINDS].reverse())
      for (const e of pending) if (e.kind === kind && e.action === 'delete') await write(tx, ctx, e);
    version = await bumpConfigVersion(tx);
    return pending;
  });
  if (version !== null) logRepoints();
  if (version !== null)
    publishConfigChanged(ctx.pubsub, {
      version,
      changed: [...new Set(changes.map((e) => TYPE_NAMES[e.kind]))],
    });
  return { entries, applied: version !== null, version, warnings };
}
