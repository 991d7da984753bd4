// GENERATED from db/tables/postgres/providers.ts by db/tables/generate.ts; edit that file, not this one.
/**
 * Providers and their keys. Secret strings (key values, proxy passwords, cloud credentials
 * inside the *_key_config blocks) are stored sealed by db/secrets.ts: `enc:v1:…` ciphertext, or
 * an `env.VAR` reference kept as written.
 */
import type {
  AzureKeyConfig,
  BedrockKeyConfig,
  ConcurrencyConfig,
  CustomProviderConfig,
  HuggingfaceKeyConfig,
  NetworkConfig,
  ProxyConfig,
  ReplicateKeyConfig,
  UrlKeyConfig,
  VertexKeyConfig,
  VllmKeyConfig,
} from '../../config-types.ts';
import { bool, float, json, table, text, uniqueIndex } from './columns.ts';
import { timestamps } from './timestamps.ts';

export const providers = table('providers', {
  name: text('name').primaryKey(),
  networkConfig: json<NetworkConfig>('network_config'),
  concurrencyAndBufferSize: json<ConcurrencyConfig>('concurrency_and_buffer_size'),
  proxyConfig: json<ProxyConfig>('proxy_config'),
  customProviderConfig: json<CustomProviderConfig>('custom_provider_config'),
  sendBackRawResponse: bool('send_back_raw_response'),
  ...timestamps(),
});

export const providerKeys = table(
  'provider_keys',
  {
    id: text('id').primaryKey(),
    provider: text('provider')
      .notNull()
      .references(() => providers.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
    name: text('name').notNull(),
    value: text('value').notNull().default(''),
    weight: float('weight').notNull().default(1),
    models: json<string[]>('models')
      .notNull()
      .$defaultFn(() => []),
    blacklistedModels: json<string[]>('blacklisted_models')
      .notNull()
      .$defaultFn(() => []),
    aliases: json<Record<string, string>>('aliases'),
    enabled: bool('enabled').notNull().default(true),
    useForBatchApi: bool('use_for_batch_api').notNull().default(false),
    azureKeyConfig: json<AzureKeyConfig>('azure_key_config'),
    bedrockKeyConfig: json<BedrockKeyConfig>('bedrock_key_config'),
    vertexKeyConfig: json<VertexKeyConfig>('vertex_key_config'),
    ollamaKeyConfig: json<UrlKeyConfig>('ollama_key_config'),
    sglKeyConfig: json<UrlKeyConfig>('sgl_key_config'),
    vllmKeyConfig: json<VllmKeyConfig>('vllm_key_config'),
    replicateKeyConfig: json<ReplicateKeyConfig>('replicate_key_config'),
    huggingfaceKeyConfig: json<HuggingfaceKeyConfig>('huggingface_key_config'),
    ...timestamps(),
  },
  (t) => [uniqueIndex('provider_keys_provider_name_unique').on(t.provider, t.name)],
);
