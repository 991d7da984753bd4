/** Named types for the config sub-shapes that the tables store as JSON. */
import type { z } from 'zod';
import type { routingTarget } from './config/governance.ts';
import type {
  azureKeyConfig,
  bedrockKeyConfig,
  concurrencyAndBufferSize,
  customProviderConfig,
  huggingfaceKeyConfig,
  networkConfig,
  proxyConfig,
  replicateKeyConfig,
  urlKeyConfig,
  vertexKeyConfig,
  vllmKeyConfig,
} from './config/providers.ts';

export type AzureKeyConfig = z.infer<typeof azureKeyConfig>;
export type BedrockKeyConfig = z.infer<typeof bedrockKeyConfig>;
export type VertexKeyConfig = z.infer<typeof vertexKeyConfig>;
export type UrlKeyConfig = z.infer<typeof urlKeyConfig>;
export type VllmKeyConfig = z.infer<typeof vllmKeyConfig>;
export type ReplicateKeyConfig = z.infer<typeof replicateKeyConfig>;
export type HuggingfaceKeyConfig = z.infer<typeof huggingfaceKeyConfig>;
export type NetworkConfig = z.infer<typeof networkConfig>;
export type ConcurrencyConfig = z.infer<typeof concurrencyAndBufferSize>;
export type ProxyConfig = z.infer<typeof proxyConfig>;
export type CustomProviderConfig = z.infer<typeof customProviderConfig>;
export type RoutingTarget = z.infer<typeof routingTarget>;
// Shared with the gateway: defined once in the contract.
export type { BudgetMode, RoutingScope } from '../clients/contract/snapshot.ts';
export type { LedgerKind } from '../clients/contract/governance.ts';
