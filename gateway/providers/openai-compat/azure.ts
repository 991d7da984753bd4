/**
 * Azure OpenAI: the key's `azure_key_config.endpoint` is the base URL, the deployment (from
 * `azure_key_config.deployments`, after the key's `aliases`) sits in the path, `api-version` in
 * the query, and the secret travels in the `api-key` header. A key with an empty `value` signs in
 * with Entra ID instead (workload or managed identity, `azure-identity.ts`): `Authorization: Bearer`.
 */
import type { ProviderKeySnapshot } from '../../../clients/contract/snapshot.ts';
import type { Operation } from '../../core/types.ts';
import type { ProviderAdapter } from '../adapter.ts';
import { AZURE_IDENTITY, azureEntraToken } from './azure-identity.ts';

/** @default api-version when the key does not set one (GA). */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';
/** The Responses API only exists in preview api-versions. */
export const AZURE_RESPONSES_API_VERSION = '2025-04-01-preview';

interface AzureKeyConfig {
  endpoint?: unknown;
  api_version?: unknown;
  deployments?: unknown;
}

function config(key: ProviderKeySnapshot): AzureKeyConfig {
  return (key.azure_key_config ?? {}) as AzureKeyConfig;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const DEPLOYMENT_PATHS: Readonly<Partial<Record<Operation, string>>> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
};

export const azure: ProviderAdapter = {
  id: 'azure',
  defaultBaseUrl: undefined,
  paths: {
    chat: '/openai/deployments',
    completions: '/openai/deployments',
    embeddings: '/openai/deployments',
    responses: '/openai/responses',
  },
  // An empty value means Entra ID: the token is added in `prepare`.
  auth: { header: 'api-key', prefix: '', optional: true },
  streamUsageOption: true,
  keyBaseUrl: (key) => text(config(key).endpoint),
  upstreamModel(model, key) {
    const deployments = config(key).deployments;
    const deployment =
      deployments && typeof deployments === 'object'
        ? (deployments as Record<string, unknown>)[model]
        : undefined;
    return text(deployment) ?? model;
  },
  resolvePath({ operation, upstreamModel: deployment, key }) {
    const configured = text(config(key).api_version);
    if (operation === 'responses')
      return `/openai/responses?api-version=${configured ?? AZURE_RESPONSES_API_VERSION}`;
    const suffix = DEPLOYMENT_PATHS[operation] ?? '';
    return `/openai/deployments/${encodeURIComponent(deployment)}${suffix}?api-version=${configured ?? AZURE_DEFAULT_API_VERSION}`;
  },
  async prepare(request, _info, secret) {
    if (secret !== '') return;
    request.headers.authorization = `Bearer ${await azureEntraToken()}`;
  },
  credentialLibrary: (_key, secret) => (secret === '' ? AZURE_IDENTITY : undefined),
};
