/**
 * Provider rows ↔ a `providers.<name>` entry's settings (its keys are ProviderKey rows, see
 * provider-key.ts). The proxy password is shown as the secret mode asks.
 */
import type { ProviderConfig } from '../config/providers.ts';
import type { ProviderInput, ProviderRecord } from '../repositories/providers.ts';
import { PROXY_SECRETS, presentFields, type SecretMode } from '../secrets.ts';
import { compact, orNull } from './common.ts';

export type ProviderSettings = Omit<ProviderConfig, 'keys'>;

export function providerToConfig(row: ProviderRecord, mode: SecretMode): ProviderSettings {
  return compact({
    network_config: row.networkConfig,
    concurrency_and_buffer_size: row.concurrencyAndBufferSize,
    proxy_config: presentFields(row.proxyConfig, PROXY_SECRETS, mode, [row.name, 'proxy']),
    custom_provider_config: row.customProviderConfig,
    send_back_raw_response: row.sendBackRawResponse,
  });
}

export function providerFromConfig(name: string, settings: ProviderSettings): ProviderInput {
  return {
    name,
    networkConfig: orNull(settings.network_config),
    concurrencyAndBufferSize: orNull(settings.concurrency_and_buffer_size),
    proxyConfig: orNull(settings.proxy_config),
    customProviderConfig: orNull(settings.custom_provider_config),
    sendBackRawResponse: orNull(settings.send_back_raw_response),
  };
}
