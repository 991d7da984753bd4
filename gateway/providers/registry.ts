/**
 * Which adapter serves a configured provider. Known names map to their adapter; any other name
 * is a custom provider whose `custom_provider_config.base_provider_type` names the family
 * (OpenAI-compatible when unset) and whose `network_config.base_url` is required.
 */
import type { ProviderSnapshot } from '../../clients/contract/snapshot.ts';
import type { ProviderAdapter } from './adapter.ts';
import { azure } from './openai-compat/azure.ts';
import { customOpenAICompatible, OPENAI_COMPATIBLE } from './openai-compat/catalog.ts';
import { TRANSLATING_ADAPTERS } from './translating.ts';

/** Providers whose adapters translate to and from their own formats, by name. */
const translating = new Map<string, ProviderAdapter>(TRANSLATING_ADAPTERS);

export type AdapterLookup = { adapter: ProviderAdapter } | { unsupported: string };

export function adapterFor(provider: ProviderSnapshot): AdapterLookup {
  const name = provider.name;
  const known = name === 'azure' ? azure : (OPENAI_COMPATIBLE.get(name) ?? translating.get(name));
  if (known) return { adapter: known };
  const base = provider.custom_provider_config?.base_provider_type;
  if (base === undefined || base === '' || base === 'openai' || OPENAI_COMPATIBLE.has(base)) {
    return { adapter: customOpenAICompatible(name) };
  }
  const translated = translating.get(base);
  if (translated) return { adapter: { ...translated, id: `custom:${name}`, defaultBaseUrl: undefined } };
  return {
    unsupported: `custom provider "${name}" has base_provider_type "${base}", which is not supported yet`,
  };
}
