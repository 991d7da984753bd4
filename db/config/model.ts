/**
 * The whole Heimdall config file: the shape of Bifrost's config.json (and of the `bifrost:`
 * subtree of its Helm values, after normalize.ts renames the camelCase keys).
 */
import { z } from 'zod';
import {
  anyJson,
  flag,
  nonEmptyText,
  nonNegative,
  nonNegativeInt,
  positiveInt,
  text,
  textList,
} from './fields.ts';
import { governance } from './governance.ts';
import { providerConfig } from './providers.ts';

/** USD per 1M tokens charged for a model that neither a price entry nor the catalogue prices. */
const fallbackPrice = z.object(
  { input_per_mtok: nonNegative(), output_per_mtok: nonNegative() },
  { error: 'expected { "input_per_mtok": number, "output_per_mtok": number } (USD per 1M tokens)' },
);

/** Labels Heimdall's own metrics use (and `le` of histograms); a custom label may not reuse them. */
const RESERVED_LABELS = ['provider', 'model', 'status', 'type', 'le'];
export const MAX_PROMETHEUS_LABELS = 5;

const prometheusLabels = () =>
  z
    .array(
      text()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
          error: 'expected a Prometheus label name: letters, digits and _, not starting with a digit',
        })
        .refine((name) => !RESERVED_LABELS.includes(name), {
          error: `expected a name other than ${RESERVED_LABELS.join(', ')} (Heimdall's own labels)`,
        }),
      { error: 'expected a list of label names' },
    )
    .max(MAX_PROMETHEUS_LABELS, {
      error: `expected at most ${MAX_PROMETHEUS_LABELS} labels (each multiplies the number of series)`,
    })
    .refine((names) => new Set(names).size === names.length, { error: 'expected each label once' });

export const clientConfig = z.object({
  drop_excess_requests: flag().default(false),
  enable_logging: flag().default(true),
  disable_content_logging: flag().default(false),
  /** Require a virtual key on inference routes. `enforce_governance_header` is the legacy name. */
  enforce_auth_on_inference: flag().default(false),
  allow_direct_keys: flag().default(false),
  allowed_origins: textList().default([]),
  max_request_body_size_mb: nonNegative().default(100),
  log_retention_days: nonNegativeInt().default(0),
  send_extra_fields: flag().default(true),
  unpriced_model_policy: z.enum(['allow', 'deny'], { error: 'expected "allow" or "deny"' }).default('allow'),
  /** Without one, strict budgets refuse unpriced models (402 `unpriced_model`). */
  unpriced_fallback_price: fallbackPrice.optional(),
  unpriced_fallback_price_by_provider: z
    .record(nonEmptyText(), fallbackPrice, { error: 'expected an object keyed by provider name' })
    .optional(),
  initial_pool_size: positiveInt().optional(),
  /** Extra metric labels filled from `x-bf-prom-<label>` request headers (gateway/metrics/). */
  prometheus_labels: prometheusLabels().optional(),
});

export const plugin = z.object({
  name: nonEmptyText(),
  enabled: flag().default(true),
  /** Plugins are re-seeded from the file only when this is higher than the stored version. */
  version: nonNegativeInt().default(1),
  config: anyJson().default({}),
});

const sqliteStore = z.object({
  enabled: flag().default(true),
  type: z.literal('sqlite'),
  config: z.object({ path: text().optional() }).default({}),
});
const postgresStore = z.object({
  enabled: flag().default(true),
  type: z.literal('postgres'),
  config: z.object({
    url: text().optional(),
    host: text().optional(),
    port: z.union([positiveInt(), text()]).optional(),
    user: text().optional(),
    password: text().optional(),
    db_name: text().optional(),
    ssl_mode: text().optional(),
  }),
});
export const storeConfig = z.discriminatedUnion('type', [sqliteStore, postgresStore], {
  error: 'expected a store with type "sqlite" or "postgres"',
});

export const heimdallConfig = z.object({
  $schema: text().optional(),
  encryption_key: text().optional(),
  client: clientConfig.default(clientConfig.parse({})),
  providers: z
    .record(nonEmptyText(), providerConfig, { error: 'expected an object keyed by provider name' })
    .default({}),
  governance: governance.default(governance.parse({})),
  plugins: z.array(plugin, { error: 'expected a list of plugins' }).default([]),
  config_store: storeConfig.optional(),
  logs_store: storeConfig.optional(),
});

export type HeimdallConfig = z.infer<typeof heimdallConfig>;
export type ClientConfig = z.infer<typeof clientConfig>;
export type PluginConfig = z.infer<typeof plugin>;
export type StoreConfig = z.infer<typeof storeConfig>;
