/**
 * The OpenAI-compatible family: providers that speak OpenAI's wire format and differ only in
 * where they live, which operations they offer and small quirks. Each is one declarative spec;
 * every transform stays undefined so the engine takes its pass-through path.
 */
import type { ProviderKeySnapshot } from '../../../clients/contract/snapshot.ts';
import { OPERATION_PATHS } from '../../core/operations.ts';
import type { Operation } from '../../core/types.ts';
import type { AuthSpec, ProviderAdapter } from '../adapter.ts';

export interface OpenAICompatibleSpec {
  id: string;
  /** Origin plus optional path prefix; the standard paths are appended. */
  baseUrl?: string | undefined;
  operations: readonly Operation[];
  /** Version segment before each path. @default '/v1' ('' for providers without one) */
  version?: string;
  /** @default true */
  streamUsageOption?: boolean;
  /** Self-hosted servers usually take no key. @default false */
  authOptional?: boolean;
  keyBaseUrl?: (key: ProviderKeySnapshot) => string | undefined;
  upstreamModel?: (model: string, key: ProviderKeySnapshot) => string;
  /** The provider lists its models at `{version}/models` (OpenAI's shape). @default true */
  listsModels?: boolean;
}

export const BEARER: AuthSpec = { header: 'authorization', prefix: 'Bearer ', optional: false };
const OPTIONAL_BEARER: AuthSpec = { header: 'authorization', prefix: 'Bearer ', optional: true };

export function openAICompatible(spec: OpenAICompatibleSpec): ProviderAdapter {
  const version = spec.version ?? '/v1';
  const paths: Partial<Record<Operation, string>> = {};
  for (const operation of spec.operations) paths[operation] = version + OPERATION_PATHS[operation];
  const adapter: ProviderAdapter = {
    id: spec.id,
    defaultBaseUrl: spec.baseUrl,
    paths,
    auth: spec.authOptional ? OPTIONAL_BEARER : BEARER,
    streamUsageOption: spec.streamUsageOption ?? true,
    ...(spec.listsModels === false
      ? {}
      : { listModels: { path: `${version}/models`, format: 'openai' as const } }),
  };
  if (spec.keyBaseUrl) adapter.keyBaseUrl = spec.keyBaseUrl;
  if (spec.upstreamModel) adapter.upstreamModel = spec.upstreamModel;
  return adapter;
}
