/** The `providers` section: one entry per provider, each with weighted keys. */
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
  textMap,
} from './fields.ts';

/** Providers Heimdall has adapters for. Any other name is a custom provider and needs a base_url. */
export const KNOWN_PROVIDERS = [
  'openai',
  'azure',
  'anthropic',
  'bedrock',
  'vertex',
  'gemini',
  'cohere',
  'groq',
  'mistral',
  'xai',
  'cerebras',
  'perplexity',
  'openrouter',
  'nebius',
  'fireworks',
  'deepseek',
  'together',
  'parasail',
  'ollama',
  'vllm',
  'sgl',
  'huggingface',
  'replicate',
] as const;

export const azureKeyConfig = z.object({
  endpoint: nonEmptyText(),
  api_version: text().optional(),
  deployments: textMap().optional(),
  client_id: text().optional(),
  client_secret: text().optional(),
  tenant_id: text().optional(),
});

export const bedrockKeyConfig = z.object({
  region: nonEmptyText(),
  access_key: text().optional(),
  secret_key: text().optional(),
  session_token: text().optional(),
  role_arn: text().optional(),
  external_id: text().optional(),
  session_name: text().optional(),
  arn: text().optional(),
  deployments: textMap().optional(),
  batch_s3_config: anyJson().optional(),
});

export const vertexKeyConfig = z.object({
  project_id: nonEmptyText(),
  project_number: text().optional(),
  region: nonEmptyText(),
  auth_credentials: text().optional(),
  deployments: textMap().optional(),
});

export const urlKeyConfig = z.object({ url: nonEmptyText() });
export const vllmKeyConfig = z.object({ url: nonEmptyText(), model_name: text().optional() });
export const replicateKeyConfig = z.object({
  use_deployments_endpoint: flag().optional(),
  deployments: textMap().optional(),
});
export const huggingfaceKeyConfig = z.object({
  deployments: textMap().optional(),
  inference_provider: text().optional(),
});

export const providerKey = z.object({
  id: text().optional(),
  name: nonEmptyText(),
  value: text().default(''),
  weight: nonNegative().default(1),
  models: textList().default([]),
  blacklisted_models: textList().default([]),
  aliases: textMap().optional(),
  enabled: flag().default(true),
  use_for_batch_api: flag().default(false),
  azure_key_config: azureKeyConfig.optional(),
  bedrock_key_config: bedrockKeyConfig.optional(),
  vertex_key_config: vertexKeyConfig.optional(),
  ollama_key_config: urlKeyConfig.optional(),
  sgl_key_config: urlKeyConfig.optional(),
  vllm_key_config: vllmKeyConfig.optional(),
  replicate_key_config: replicateKeyConfig.optional(),
  huggingface_key_config: huggingfaceKeyConfig.optional(),
});

export const networkConfig = z.object({
  base_url: text().optional(),
  extra_headers: textMap().optional(),
  default_request_timeout_in_seconds: positiveInt().optional(),
  stream_idle_timeout_in_seconds: positiveInt().optional(),
  max_retries: nonNegativeInt().optional(),
  /** Milliseconds. The Helm chart spells it `retry_backoff_initial_ms`; both are accepted. */
  retry_backoff_initial: nonNegativeInt().optional(),
  retry_backoff_max: nonNegativeInt().optional(),
  max_conns_per_host: positiveInt().optional(),
  beta_header_overrides: z.record(text(), flag()).optional(),
});

export const concurrencyAndBufferSize = z.object({
  concurrency: positiveInt(),
  buffer_size: nonNegativeInt(),
});

export const proxyConfig = z.object({
  type: z.enum(['none', 'http', 'socks5', 'environment'], {
    error: 'expected one of "none", "http", "socks5", "environment"',
  }),
  url: text().optional(),
  username: text().optional(),
  password: text().optional(),
  ca_cert_pem: text().optional(),
});

const knownProviders = new Set<string>(KNOWN_PROVIDERS);

export const customProviderConfig = z.object({
  /**
   * The built-in family whose wire format the custom provider speaks (unset: OpenAI). Only a
   * built-in name: a custom provider based on itself, or on other custom providers (a chain
   * that may loop back), has no adapter to resolve to.
   */
  base_provider_type: text()
    .refine((base) => base === '' || knownProviders.has(base), {
      error: `expected a built-in provider (${KNOWN_PROVIDERS.join(', ')}); a custom provider cannot be based on itself or on another custom provider`,
    })
    .optional(),
  allowed_requests: z.record(text(), flag()).optional(),
});

export const providerConfig = z.object({
  keys: z.array(providerKey, { error: 'expected a list of keys' }).default([]),
  network_config: networkConfig.optional(),
  concurrency_and_buffer_size: concurrencyAndBufferSize.optional(),
  proxy_config: proxyConfig.optional(),
  custom_provider_config: customProviderConfig.optional(),
  send_back_raw_response: flag().optional(),
});

export type ProviderKeyConfig = z.infer<typeof providerKey>;
export type ProviderConfig = z.infer<typeof providerConfig>;
