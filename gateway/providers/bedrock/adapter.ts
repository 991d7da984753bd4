/**
 * AWS Bedrock: Converse / ConverseStream for chat, InvokeModel for Titan and Cohere embeddings,
 * at `https://bedrock-runtime.{region}.amazonaws.com` (or `network_config.base_url`). A key with
 * a `value` is a Bedrock API key (Bearer); otherwise requests are SigV4-signed with credentials
 * from `bedrock_key_config` or the AWS default chain, optionally through STS AssumeRole.
 * `bedrock_key_config.deployments` maps logical model names to model ids or inference profiles.
 */
import type { ProviderKeySnapshot, ProviderSnapshot } from '../../../clients/contract/snapshot.ts';
import { GatewayError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/types.ts';
import { resolveEnv } from '../../util/env.ts';
import type { AttemptInfo, ProviderAdapter } from '../adapter.ts';
import { openAIUsage } from '../usage.ts';
import { decodeConverse, parseAwsError } from './converse-response.ts';
import { encodeConverse } from './converse.ts';
import { chainLibraryFor, field, resolveCredentials, type BedrockKeyConfig } from './credentials.ts';
import { decodeBedrockEmbeddings, encodeBedrockEmbeddings } from './embeddings.ts';
import { signV4 } from './sigv4.ts';
import { ConverseStreamDecoder } from './stream.ts';

function config(key: ProviderKeySnapshot): BedrockKeyConfig {
  return (key.bedrock_key_config ?? {}) as BedrockKeyConfig;
}

export function bedrockRegion(key: ProviderKeySnapshot): string {
  return (
    field(config(key), 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'
  );
}

function regionalUrl(key: ProviderKeySnapshot, provider: ProviderSnapshot): string | undefined {
  // `network_config.base_url` (VPC endpoints, proxies, tests) wins over the regional endpoint.
  return provider.network_config?.base_url
    ? undefined
    : `https://bedrock-runtime.${bedrockRegion(key)}.amazonaws.com`;
}

function baseUrl(info: AttemptInfo): URL {
  const raw =
    regionalUrl(info.key, info.provider) ?? resolveEnv(info.provider.network_config?.base_url) ?? '';
  try {
    return new URL(raw);
  } catch {
    throw new GatewayError(500, 'server_error', 'provider_misconfigured', 'bedrock base URL is invalid');
  }
}

function deployment(model: string, key: ProviderKeySnapshot): string {
  const deployments = config(key).deployments;
  const mapped =
    deployments && typeof deployments === 'object'
      ? (deployments as Record<string, unknown>)[model]
      : undefined;
  return typeof mapped === 'string' && mapped !== '' ? mapped : model;
}

function encode(body: JsonObject, info: AttemptInfo): JsonObject {
  const { payload, dropped } =
    info.operation === 'embeddings'
      ? encodeBedrockEmbeddings(body, info.upstreamModel)
      : encodeConverse(body, info.upstreamModel);
  info.dropped = dropped;
  return payload;
}

export const bedrock: ProviderAdapter = {
  id: 'bedrock',
  defaultBaseUrl: undefined,
  paths: { chat: '/model', embeddings: '/model' },
  // A key value is a Bedrock API key; an empty value means SigV4.
  auth: { header: 'authorization', prefix: 'Bearer ', optional: true },
  streamUsageOption: true,
  keyBaseUrl: regionalUrl,
  upstreamModel: deployment,
  resolvePath({ operation, stream, upstreamModel }) {
    const model = `/model/${encodeURIComponent(upstreamModel)}`;
    if (operation === 'embeddings') return `${model}/invoke`;
    return stream ? `${model}/converse-stream` : `${model}/converse`;
  },
  encodeRequest: encode,
  decodeResponse: (operation, payload, model, request) =>
    operation === 'embeddings'
      ? decodeBedrockEmbeddings(payload, model, request)
      : decodeConverse(payload, model),
  createStreamDecoder: () => new ConverseStreamDecoder(''),
  extractUsage: openAIUsage,
  parseError: parseAwsError,
  async prepare(request, info, secret) {
    if (secret !== '') return;
    const region = bedrockRegion(info.key);
    const credentials = await resolveCredentials(config(info.key), region);
    const base = baseUrl(info);
    const signed = await signV4({
      method: 'POST',
      origin: base.origin,
      path: request.path,
      headers: request.headers,
      body: request.body,
      region,
      service: 'bedrock',
      credentials,
    });
    Object.assign(request.headers, signed);
  },
  credentialLibrary: (key, secret) => (secret === '' ? chainLibraryFor(config(key)) : undefined),
};
