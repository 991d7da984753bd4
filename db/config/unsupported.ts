/**
 * Config keys Heimdall accepts (a Bifrost config carrying them must still start) but does not
 * act on. None may be accepted silently: each one found is named in a start-up warning saying
 * why it has no effect. The table is the audit of every accepted key that has no runtime effect;
 * keys not listed here either work or are unknown fields (warned about by unknown-keys.ts).
 */
interface Unsupported {
  /** Dotted path in the normalised document; `*` is any object key, `[]` any list item. */
  path: string;
  reason: string;
  /** Only values for which this holds are reported (default: any value). */
  when?: (value: unknown) => boolean;
}

const NO_BATCH_API = 'Heimdall has no Batch API';
const ENTRA = 'Entra ID (service principal) sign-in is not implemented; put an API key in `value`';

const UNSUPPORTED_KEYS: readonly Unsupported[] = [
  { path: 'client.initial_pool_size', reason: "it sizes Bifrost's Go object pools; Heimdall has none" },
  {
    path: 'logs_store',
    reason: 'request logs are kept in the config store’s database (config_store or DATABASE_URL)',
  },
  { path: 'access_profiles', reason: 'access profiles are a Bifrost Enterprise feature' },
  {
    path: 'cluster',
    reason:
      'Bifrost Enterprise gossip clustering; Heimdall replicas share state through Postgres (and Redis)',
  },
  {
    path: 'providers.*.send_back_raw_response',
    reason: 'raw provider responses are never returned',
  },
  {
    path: 'governance.providers[].send_back_raw_request',
    reason: 'raw provider requests are never returned',
  },
  {
    path: 'governance.providers[].send_back_raw_response',
    reason: 'raw provider responses are never returned',
  },
  { path: 'providers.*.keys[].bedrock_key_config.batch_s3_config', reason: NO_BATCH_API },
  {
    path: 'providers.*.keys[].use_for_batch_api',
    reason: `${NO_BATCH_API}; the key serves normal traffic like the others`,
    when: (value) => value === true,
  },
  {
    path: 'providers.*.keys[].bedrock_key_config.arn',
    reason: 'map model names to inference-profile ids or ARNs in `deployments` instead',
  },
  { path: 'providers.*.keys[].azure_key_config.client_id', reason: ENTRA },
  { path: 'providers.*.keys[].azure_key_config.client_secret', reason: ENTRA },
  { path: 'providers.*.keys[].azure_key_config.tenant_id', reason: ENTRA },
  {
    path: 'providers.*.keys[].vertex_key_config.project_number',
    reason: 'requests are addressed by `project_id`',
  },
  {
    path: 'providers.*.keys[].huggingface_key_config.inference_provider',
    reason: 'requests go to the Hugging Face router with the model name as given',
  },
  {
    path: 'providers.*.custom_provider_config.allowed_requests',
    reason: 'a custom provider accepts every request type its base provider supports',
  },
];

/** Plugins Heimdall implements; any other name is reported. */
const PLUGINS = new Set(['governance', 'logging', 'mocker']);
const PLUGIN_REASONS: Record<string, string> = {
  telemetry: 'Heimdall serves Prometheus metrics at /metrics itself (no push gateway)',
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The concrete paths (and values) `pattern` matches in `value`. */
function find(value: unknown, segments: string[], at: string): Array<[string, unknown]> {
  const [head, ...rest] = segments;
  if (head === undefined) return [[at, value]];
  const list = head.endsWith('[]');
  const name = list ? head.slice(0, -2) : head;
  if (!isObject(value)) return [];
  const children: Array<[string, unknown]> =
    name === '*'
      ? Object.entries(value).map(([key, child]) => [`${at}${at ? '.' : ''}${key}`, child])
      : name in value
        ? [[`${at}${at ? '.' : ''}${name}`, value[name]]]
        : [];
  return children.flatMap(([path, child]) => {
    if (!list) return find(child, rest, path);
    if (!Array.isArray(child)) return [];
    return child.flatMap((item, index) => find(item, rest, `${path}[${index}]`));
  });
}

export interface UnsupportedFinding {
  path: string;
  warning: string;
}

/** One finding per accepted-but-unsupported key set in the (normalised) document. */
export function findUnsupportedKeys(document: unknown): UnsupportedFinding[] {
  const findings = UNSUPPORTED_KEYS.flatMap((entry) =>
    find(document, entry.path.split('.'), '')
      .filter(([, value]) => value !== undefined && (entry.when?.(value) ?? true))
      .map(([path]) => ({ path, warning: `${path}: not supported, ignored: ${entry.reason}` })),
  );
  const plugins = isObject(document) && Array.isArray(document.plugins) ? document.plugins : [];
  plugins.forEach((plugin, index) => {
    const name = isObject(plugin) && typeof plugin.name === 'string' ? plugin.name : undefined;
    if (name === undefined || PLUGINS.has(name)) return;
    const reason = PLUGIN_REASONS[name] ?? `Heimdall's plugins are ${[...PLUGINS].join(', ')}`;
    findings.push({
      path: `plugins[${index}]`,
      warning: `plugins[${index}] (${name}): not supported, ignored: ${reason}`,
    });
  });
  return findings;
}
