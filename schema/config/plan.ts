/**
 * The plan of an `applyConfig`: per entity, create / update (with field-level changes) /
 * delete / unchanged, from the validated document against the live database in the same
 * config-file shape. Secrets are compared in plain text but only ever shown masked.
 */
import { canonicalJson, hashVirtualKey, type HeimdallConfig, type LiveConfig } from '../../db/index.ts';
import { KEY_SECRET_PATHS, maskSecrets, PROVIDER_SECRET_PATHS, type SecretPath } from '../secrets.ts';
import { isKept, valueOf } from '../virtual-key-values.ts';

export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged';

/** Entity kinds in foreign-key order: creates run in this order, deletes in reverse. */
export const KINDS = [
  'budget',
  'rate_limit',
  'customer',
  'team',
  'provider',
  'provider_key',
  'virtual_key',
  'model_config',
  'provider_governance',
  'routing_rule',
  'plugin',
  'client',
] as const;
export type EntityKind = (typeof KINDS)[number];

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface PlanEntry {
  kind: EntityKind;
  /** The entity's id (`provider/name` for keys). */
  id: string;
  action: PlanAction;
  changes: FieldChange[];
  /** The document's entity (config shape) for create/update. */
  desired?: Record<string, unknown>;
}

type Entity = Record<string, unknown>;

interface KindTable {
  kind: EntityKind;
  /** Section that must appear in the document for prune to delete this kind. */
  section: string;
  desired: Map<string, Entity>;
  live: Map<string, Entity>;
  secrets?: SecretPath[];
}

const byKey = (list: Entity[], key: (e: Entity) => string) => new Map(list.map((e) => [key(e), e]));
const byId = (list: unknown[]) => byKey(list as Entity[], (e) => String(e.id));
const byName = (list: unknown[]) => byKey(list as Entity[], (e) => String(e.name));

function keysOf(providers: Record<string, { keys: unknown[] }>): Map<string, Entity> {
  const out = new Map<string, Entity>();
  for (const [provider, config] of Object.entries(providers)) {
    for (const key of config.keys as Entity[])
      out.set(`${provider}/${String(key.name)}`, { provider, ...key });
  }
  return out;
}

function settingsOf(providers: Record<string, { keys: unknown[] }>): Map<string, Entity> {
  return new Map(
    Object.entries(providers).map(([name, { keys: _keys, ...rest }]) => [name, { name, ...rest }]),
  );
}

export function tables(config: HeimdallConfig, live: LiveConfig): KindTable[] {
  const d = config.governance;
  const l = live.governance;
  const table = (
    kind: EntityKind,
    section: string,
    desired: Map<string, Entity>,
    liveMap: Map<string, Entity>,
    secrets?: SecretPath[],
  ): KindTable => ({ kind, section, desired, live: liveMap, secrets });
  return [
    table('budget', 'governance.budgets', byId(d.budgets), byId(l.budgets)),
    table('rate_limit', 'governance.rate_limits', byId(d.rate_limits), byId(l.rate_limits)),
    table('customer', 'governance.customers', byId(d.customers), byId(l.customers)),
    table('team', 'governance.teams', byId(d.teams), byId(l.teams)),
    table(
      'provider',
      'providers',
      settingsOf(config.providers),
      settingsOf(live.providers),
      PROVIDER_SECRET_PATHS,
    ),
    table('provider_key', 'providers', keysOf(config.providers), keysOf(live.providers), KEY_SECRET_PATHS),
    table('virtual_key', 'governance.virtual_keys', byId(d.virtual_keys), byId(l.virtual_keys)),
    table('model_config', 'governance.model_configs', byId(d.model_configs), byId(l.model_configs)),
    table('provider_governance', 'governance.providers', byName(d.providers), byName(l.providers)),
    table('routing_rule', 'governance.routing_rules', byId(d.routing_rules), byId(l.routing_rules)),
    table('plugin', 'plugins', byName(config.plugins), byName(live.plugins)),
    table(
      'client',
      'client',
      new Map([['client', config.client as Entity]]),
      new Map([['client', live.client as Entity]]),
    ),
  ];
}

/** Field-level differences; the virtual key value is compared by hash and never shown. */
function diff(
  kind: EntityKind,
  desired: Entity,
  live: Entity,
  env: NodeJS.ProcessEnv,
  secrets: SecretPath[] = [],
): FieldChange[] {
  const shownBefore = maskSecrets(live, secrets);
  const shownAfter = maskSecrets(desired, secrets);
  const ignored = new Set(
    kind === 'virtual_key'
      ? ['value', 'value_hash', 'value_suffix']
      : kind === 'provider_key' && desired.id === undefined
        ? ['id']
        : [],
  );
  const changes: FieldChange[] = [];
  for (const field of new Set([...Object.keys(desired), ...Object.keys(live)])) {
    if (ignored.has(field) || canonicalJson(desired[field] ?? null) === canonicalJson(live[field] ?? null))
      continue;
    changes.push({ path: field, before: shownBefore[field] ?? null, after: shownAfter[field] ?? null });
  }
  if (
    kind === 'virtual_key' &&
    !isKept(String(desired.value)) &&
    hashVirtualKey(valueOf(String(desired.value), env)) !== live.value_hash
  ) {
    changes.push({ path: 'value', before: '(hidden)', after: '(new value)' });
  }
  return changes;
}

export function computePlan(
  config: HeimdallConfig,
  live: LiveConfig,
  options: { prune: boolean; sections: Set<string>; env: NodeJS.ProcessEnv },
): PlanEntry[] {
  const entries: PlanEntry[] = [];
  for (const t of tables(config, live)) {
    if (!options.sections.has(t.section)) continue;
    for (const [id, desired] of t.desired) {
      const current = t.live.get(id);
      if (!current) {
        entries.push({ kind: t.kind, id, action: 'create', changes: [], desired });
        continue;
      }
      const changes = diff(t.kind, desired, current, options.env, t.secrets);
      entries.push({
        kind: t.kind,
        id,
        action: changes.length > 0 ? 'update' : 'unchanged',
        changes,
        desired,
      });
    }
    if (!options.prune || t.kind === 'client') continue;
    for (const id of t.live.keys()) {
      if (!t.desired.has(id)) entries.push({ kind: t.kind, id, action: 'delete', changes: [] });
    }
  }
  return entries;
}
