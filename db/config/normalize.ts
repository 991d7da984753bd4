/**
 * Brings the spellings Heimdall accepts onto one shape before validation: the `bifrost:` subtree
 * of Helm values, its camelCase section names, its plugin map, the `_ms` retry spellings and the
 * legacy `enforce_governance_header`. Only structural keys are renamed, never user data such as
 * alias maps or model names.
 */
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Renames camelCase keys of one object (not its children) to snake_case, keeping explicit snake keys. */
function snakeKeys(value: unknown): unknown {
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    const target = snake(key);
    if (target !== key && target in value) continue; // both spellings given: the snake one wins
    out[target] = inner;
  }
  return out;
}

function mapList(value: unknown, fn: (item: Json) => Json): unknown {
  return Array.isArray(value) ? value.map((item) => (isObject(item) ? fn(item) : item)) : value;
}

function normalizeNetwork(network: unknown): unknown {
  if (!isObject(network)) return network;
  const out: Json = { ...network };
  for (const name of ['retry_backoff_initial', 'retry_backoff_max']) {
    const ms = `${name}_ms`;
    if (ms in out) {
      if (!(name in out)) out[name] = out[ms];
      delete out[ms];
    }
  }
  return out;
}

/**
 * Bifrost accepts keys without a `name` (its own docs' config.json has none); Heimdall needs one
 * to address a key (virtual keys' `key_ids`, reconciliation, logs). The generated name comes from
 * the provider and the key's position, not from its value: rotating `env.KEY_V1` to `env.KEY_V2`
 * then updates the same stored key instead of leaving the old one serving next to the new.
 */
function nameKeys(provider: string, keys: unknown, notes: string[]): unknown {
  if (!Array.isArray(keys)) return keys;
  const taken = new Set(keys.map((key) => (isObject(key) ? key.name : undefined)));
  return keys.map((key, index) => {
    if (!isObject(key) || (key.name !== undefined && key.name !== null)) return key;
    let name = `${provider}-key-${index + 1}`;
    for (let n = 2; taken.has(name); n++) name = `${provider}-key-${index + 1}-${n}`;
    taken.add(name);
    notes.push(
      `providers.${provider}.keys[${index}].name: not set; named "${name}" from the provider and position (set a name to keep it when keys are reordered)`,
    );
    return { name, ...key };
  });
}

function normalizeProviders(providers: unknown, notes: string[]): unknown {
  if (!isObject(providers)) return providers;
  const out: Json = {};
  for (const [name, provider] of Object.entries(providers)) {
    out[name] = isObject(provider)
      ? {
          ...provider,
          ...(provider.network_config ? { network_config: normalizeNetwork(provider.network_config) } : {}),
          ...(provider.keys !== undefined ? { keys: nameKeys(name, provider.keys, notes) } : {}),
        }
      : provider;
  }
  return out;
}

function normalizeVirtualKey(vk: Json): Json {
  return {
    ...vk,
    provider_configs: mapList(vk.provider_configs, (pc) => {
      const { keys, ...rest } = pc;
      return keys !== undefined && rest.key_ids === undefined ? { ...rest, key_ids: keys } : rest;
    }),
  };
}

function normalizeGovernance(governance: unknown): unknown {
  const gov = snakeKeys(governance);
  if (!isObject(gov)) return gov;
  const out: Json = { ...gov };
  if (out.auth_config !== undefined) out.auth_config = snakeKeys(out.auth_config);
  if (out.virtual_keys !== undefined) out.virtual_keys = mapList(out.virtual_keys, normalizeVirtualKey);
  return out;
}

/** Helm writes plugins as a map `{ governance: { enabled, config } }`; config.json as a list. */
function normalizePlugins(plugins: unknown): unknown {
  if (!isObject(plugins)) return plugins;
  return Object.entries(plugins).map(([name, body]) => ({ name, ...(isObject(body) ? body : {}) }));
}

function normalizeClient(client: unknown): unknown {
  const out = snakeKeys(client);
  if (!isObject(out)) return out;
  if ('enforce_governance_header' in out) {
    if (!('enforce_auth_on_inference' in out)) out.enforce_auth_on_inference = out.enforce_governance_header;
    delete out.enforce_governance_header;
  }
  return out;
}

/** Keys of the Helm `bifrost:` subtree that only the chart uses; they carry no runtime config. */
const CHART_ONLY_KEYS = ['provider_secrets', 'encryption_key_secret', 'image'];

export interface NormalizedDocument {
  document: unknown;
  /** Chart-only keys that were set, so start-up can say they were seen and why they are ignored. */
  chartOnly: string[];
  /** What normalisation filled in (generated key names), for start-up warnings. */
  notes: string[];
}

export function normalizeDocument(raw: unknown): NormalizedDocument {
  let root = raw;
  if (isObject(root) && isObject(root.bifrost)) root = root.bifrost;
  const top = snakeKeys(root);
  if (!isObject(top)) return { document: top, chartOnly: [], notes: [] };
  const out: Json = { ...top };
  const notes: string[] = [];
  const chartOnly = CHART_ONLY_KEYS.filter((key) => key in out);
  for (const key of chartOnly) delete out[key];
  if (out.providers !== undefined) out.providers = normalizeProviders(out.providers, notes);
  if (out.governance !== undefined) out.governance = normalizeGovernance(out.governance);
  if (out.plugins !== undefined) out.plugins = normalizePlugins(out.plugins);
  if (out.client !== undefined) out.client = normalizeClient(out.client);
  return { document: out, chartOnly, notes };
}
