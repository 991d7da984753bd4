/**
 * Provider-key rows ↔ a `providers.<name>.keys[]` entry. Secrets (the value and the fields named
 * in KEY_CONFIG_SECRETS) are shown as the secret mode asks; `plain` is also what the gateway
 * snapshot carries.
 */
import type { ProviderKeyConfig } from '../config/providers.ts';
import type { ProviderKeyInput, ProviderKeyRecord } from '../repositories/provider-keys.ts';
import { KEY_CONFIG_SECRETS, presentFields, presentSecret, type SecretMode } from '../secrets.ts';
import { compact, orNull } from './common.ts';

/** A stored key in the file's shape, with the row id the file may omit. */
export type LiveProviderKey = ProviderKeyConfig & { id: string };

export function providerKeyToConfig(row: ProviderKeyRecord, mode: SecretMode): LiveProviderKey {
  const names = [row.provider, row.name];
  return compact({
    id: row.id,
    name: row.name,
    value: presentSecret(row.value, mode, [...names, 'value']),
    weight: row.weight,
    models: row.models,
    blacklisted_models: row.blacklistedModels,
    aliases: row.aliases,
    enabled: row.enabled,
    use_for_batch_api: row.useForBatchApi,
    azure_key_config: presentFields(row.azureKeyConfig, KEY_CONFIG_SECRETS.azureKeyConfig, mode, [
      ...names,
      'azure',
    ]),
    bedrock_key_config: presentFields(row.bedrockKeyConfig, KEY_CONFIG_SECRETS.bedrockKeyConfig, mode, [
      ...names,
      'bedrock',
    ]),
    vertex_key_config: presentFields(row.vertexKeyConfig, KEY_CONFIG_SECRETS.vertexKeyConfig, mode, [
      ...names,
      'vertex',
    ]),
    ollama_key_config: row.ollamaKeyConfig,
    sgl_key_config: row.sglKeyConfig,
    vllm_key_config: row.vllmKeyConfig,
    replicate_key_config: row.replicateKeyConfig,
    huggingface_key_config: row.huggingfaceKeyConfig,
  });
}

export function providerKeyFromConfig(provider: string, entity: ProviderKeyConfig): ProviderKeyInput {
  return {
    id: entity.id,
    provider,
    name: entity.name,
    value: entity.value,
    weight: entity.weight,
    models: entity.models,
    blacklistedModels: entity.blacklisted_models,
    aliases: orNull(entity.aliases),
    enabled: entity.enabled,
    useForBatchApi: entity.use_for_batch_api,
    azureKeyConfig: orNull(entity.azure_key_config),
    bedrockKeyConfig: orNull(entity.bedrock_key_config),
    vertexKeyConfig: orNull(entity.vertex_key_config),
    ollamaKeyConfig: orNull(entity.ollama_key_config),
    sglKeyConfig: orNull(entity.sgl_key_config),
    vllmKeyConfig: orNull(entity.vllm_key_config),
    replicateKeyConfig: orNull(entity.replicate_key_config),
    huggingfaceKeyConfig: orNull(entity.huggingface_key_config),
  };
}
