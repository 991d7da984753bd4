/**
 * Finds the file's own spelling of a plan entry's entity (kind + id), so a create can list the
 * fields the file gives it. Sections may be snake_case or camelCase, under `bifrost:` or not.
 */
import type { PlanEntry } from './render.ts';

type Entity = Record<string, unknown>;
const isObject = (value: unknown): value is Entity =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const section = (parent: unknown, key: string): unknown =>
  isObject(parent) ? (parent[key] ?? parent[camel(key)]) : undefined;

const GOVERNANCE_SECTIONS: Record<string, [string, 'id' | 'name']> = {
  budget: ['budgets', 'id'],
  rate_limit: ['rate_limits', 'id'],
  customer: ['customers', 'id'],
  team: ['teams', 'id'],
  virtual_key: ['virtual_keys', 'id'],
  model_config: ['model_configs', 'id'],
  provider_governance: ['providers', 'name'],
  routing_rule: ['routing_rules', 'id'],
};

function findIn(list: unknown, key: 'id' | 'name', id: string): Entity | undefined {
  return Array.isArray(list)
    ? list.find((item): item is Entity => isObject(item) && String(item[key]) === id)
    : undefined;
}

/** The entity's fields as written, minus its identifying key (and a provider's keys list). */
export function fileEntity(file: Record<string, unknown>, entry: PlanEntry): Entity | undefined {
  const root = isObject(file.bifrost) && !file.governance && !file.providers ? file.bifrost : file;
  const governed = GOVERNANCE_SECTIONS[entry.kind];
  let found: Entity | undefined;
  let idKey = 'id';
  if (governed) {
    found = findIn(section(section(root, 'governance'), governed[0]), governed[1], entry.id);
    idKey = governed[1];
  } else if (entry.kind === 'provider') {
    const provider = section(section(root, 'providers'), entry.id);
    if (isObject(provider)) {
      const { keys: _keys, ...rest } = provider;
      found = rest;
    }
  } else if (entry.kind === 'provider_key') {
    const [provider, ...name] = entry.id.split('/');
    found = findIn(
      section(section(section(root, 'providers'), provider ?? ''), 'keys'),
      'name',
      name.join('/'),
    );
    idKey = 'name';
  } else if (entry.kind === 'plugin') {
    const plugins = section(root, 'plugins');
    found = Array.isArray(plugins)
      ? findIn(plugins, 'name', entry.id)
      : (section(plugins, entry.id) as Entity | undefined);
    idKey = 'name';
  } else if (entry.kind === 'client') {
    found = section(root, 'client') as Entity | undefined;
  }
  if (!isObject(found)) return undefined;
  const { [idKey]: _id, ...fields } = found;
  return fields;
}
