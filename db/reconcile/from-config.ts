/**
 * Config-file entities → repository inputs. Every optional field maps to an explicit null, so
 * overwriting a row with a file entity also clears what the file no longer sets.
 */
import type { z } from 'zod';
import { resolveEnvRef } from '../config/env-ref.ts';
import type {
  budget,
  customer,
  modelConfig,
  providerGovernance,
  rateLimit,
  routingRule,
  team,
  virtualKey,
} from '../config/governance.ts';
import type { ProviderConfig, ProviderKeyConfig } from '../config/providers.ts';
import { dollarsToMicros, type BudgetInput } from '../repositories/budgets.ts';
import type { CustomerInput, TeamInput } from '../repositories/customers.ts';
import type { ModelConfigInput, ProviderGovernanceInput } from '../repositories/model-configs.ts';
import type { ProviderKeyInput } from '../repositories/provider-keys.ts';
import type { ProviderInput } from '../repositories/providers.ts';
import type { RateLimitInput } from '../repositories/rate-limits.ts';
import type { RoutingRuleInput } from '../repositories/routing.ts';
import type { VirtualKeyInput } from '../repositories/virtual-keys.ts';

const orNull = <T>(value: T | undefined): T | null => value ?? null;

export function budgetInput(b: z.infer<typeof budget>): BudgetInput {
  return {
    id: b.id,
    maxLimitMicros: dollarsToMicros(b.max_limit),
    resetDuration: b.reset_duration,
    calendarAligned: b.calendar_aligned,
    mode: b.mode,
  };
}

export function rateLimitInput(r: z.infer<typeof rateLimit>): RateLimitInput {
  return {
    id: r.id,
    tokenMaxLimit: orNull(r.token_max_limit),
    tokenResetDuration: orNull(r.token_reset_duration),
    requestMaxLimit: orNull(r.request_max_limit),
    requestResetDuration: orNull(r.request_reset_duration),
  };
}

const limits = (e: { budget_id?: string | undefined; rate_limit_id?: string | undefined }) => ({
  budgetId: e.budget_id || null,
  rateLimitId: e.rate_limit_id || null,
});

export function customerInput(c: z.infer<typeof customer>): CustomerInput {
  return { id: c.id, name: c.name, ...limits(c) };
}

export function teamInput(t: z.infer<typeof team>): TeamInput {
  return { id: t.id, name: t.name, customerId: t.customer_id || null, ...limits(t) };
}

export function providerInput(name: string, p: ProviderConfig): ProviderInput {
  return {
    name,
    networkConfig: orNull(p.network_config),
    concurrencyAndBufferSize: orNull(p.concurrency_and_buffer_size),
    proxyConfig: orNull(p.proxy_config),
    customProviderConfig: orNull(p.custom_provider_config),
    sendBackRawResponse: orNull(p.send_back_raw_response),
  };
}

export function providerKeyInput(provider: string, k: ProviderKeyConfig): ProviderKeyInput {
  return {
    id: k.id,
    provider,
    name: k.name,
    value: k.value,
    weight: k.weight,
    models: k.models,
    blacklistedModels: k.blacklisted_models,
    aliases: orNull(k.aliases),
    enabled: k.enabled,
    useForBatchApi: k.use_for_batch_api,
    azureKeyConfig: orNull(k.azure_key_config),
    bedrockKeyConfig: orNull(k.bedrock_key_config),
    vertexKeyConfig: orNull(k.vertex_key_config),
    ollamaKeyConfig: orNull(k.ollama_key_config),
    sglKeyConfig: orNull(k.sgl_key_config),
    vllmKeyConfig: orNull(k.vllm_key_config),
    replicateKeyConfig: orNull(k.replicate_key_config),
    huggingfaceKeyConfig: orNull(k.huggingface_key_config),
  };
}

/**
 * A virtual key's value is only ever hashed, so an `env.VAR` value is resolved here, when the
 * hash is computed; validation has already checked the variable is set.
 */
export function virtualKeyValue(vk: z.infer<typeof virtualKey>, env: NodeJS.ProcessEnv): string {
  const value = resolveEnvRef(vk.value, env);
  if (!value) throw new Error(`virtual key ${vk.id}: environment variable for ${vk.value} is not set`);
  return value;
}

export function virtualKeyInput(vk: z.infer<typeof virtualKey>, env: NodeJS.ProcessEnv): VirtualKeyInput {
  return {
    id: vk.id,
    name: vk.name,
    value: virtualKeyValue(vk, env),
    description: orNull(vk.description),
    isActive: vk.is_active,
    teamId: vk.team_id || null,
    customerId: vk.customer_id || null,
    ...limits(vk),
    providerConfigs: vk.provider_configs.map((pc) => ({
      provider: pc.provider,
      weight: pc.weight,
      allowedModels: pc.allowed_models,
      keyIds: pc.key_ids,
      ...limits(pc),
    })),
  };
}

export function modelConfigInput(m: z.infer<typeof modelConfig>): ModelConfigInput {
  return { id: m.id, modelName: m.model_name, provider: m.provider || null, ...limits(m) };
}

export function providerGovernanceInput(p: z.infer<typeof providerGovernance>): ProviderGovernanceInput {
  return {
    name: p.name,
    sendBackRawRequest: orNull(p.send_back_raw_request),
    sendBackRawResponse: orNull(p.send_back_raw_response),
    ...limits(p),
  };
}

export function routingRuleInput(r: z.infer<typeof routingRule>): RoutingRuleInput {
  return {
    id: r.id,
    name: r.name,
    description: orNull(r.description),
    enabled: r.enabled,
    celExpression: r.cel_expression,
    targets: r.targets,
    fallbacks: r.fallbacks,
    scope: r.scope,
    scopeId: r.scope_id || null,
    priority: r.priority,
  };
}
