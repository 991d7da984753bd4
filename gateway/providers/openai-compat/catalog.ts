/**
 * The OpenAI-compatible providers Heimdall knows by name, with their public API base URLs and
 * the operations each offers. Azure has its own adapter (azure.ts) because its paths carry the
 * deployment and api-version.
 */
import type { ProviderAdapter } from '../adapter.ts';
import { ALL_OPERATIONS } from '../../core/operations.ts';
import { openAICompatible } from './family.ts';

const CHAT_COMPLETIONS_EMBEDDINGS = ['chat', 'completions', 'embeddings'] as const;

export const OPENAI_COMPATIBLE: ReadonlyMap<string, ProviderAdapter> = new Map(
  [
    openAICompatible({ id: 'openai', baseUrl: 'https://api.openai.com', operations: ALL_OPERATIONS }),
    openAICompatible({
      id: 'groq',
      baseUrl: 'https://api.groq.com/openai',
      operations: ['chat', 'responses'],
    }),
    // Mistral and Perplexity report stream usage unasked and do not document stream_options.
    openAICompatible({
      id: 'mistral',
      baseUrl: 'https://api.mistral.ai',
      operations: ['chat', 'embeddings'],
      streamUsageOption: false,
    }),
    openAICompatible({ id: 'xai', baseUrl: 'https://api.x.ai', operations: ALL_OPERATIONS }),
    openAICompatible({
      id: 'cerebras',
      baseUrl: 'https://api.cerebras.ai',
      operations: ['chat', 'completions'],
    }),
    openAICompatible({
      id: 'perplexity',
      baseUrl: 'https://api.perplexity.ai',
      version: '',
      operations: ['chat'],
      streamUsageOption: false,
      // Perplexity documents no model-list endpoint: the price catalogue names its models.
      listsModels: false,
    }),
    openAICompatible({ id: 'openrouter', baseUrl: 'https://openrouter.ai/api', operations: ALL_OPERATIONS }),
    openAICompatible({
      id: 'nebius',
      baseUrl: 'https://api.studio.nebius.com',
      operations: CHAT_COMPLETIONS_EMBEDDINGS,
    }),
    openAICompatible({
      id: 'fireworks',
      baseUrl: 'https://api.fireworks.ai/inference',
      operations: ALL_OPERATIONS,
    }),
    openAICompatible({
      id: 'deepseek',
      baseUrl: 'https://api.deepseek.com',
      version: '',
      operations: ['chat'],
    }),
    openAICompatible({
      id: 'together',
      baseUrl: 'https://api.together.xyz',
      operations: CHAT_COMPLETIONS_EMBEDDINGS,
    }),
    openAICompatible({
      id: 'parasail',
      baseUrl: 'https://api.parasail.io',
      operations: CHAT_COMPLETIONS_EMBEDDINGS,
    }),
    openAICompatible({
      id: 'ollama',
      baseUrl: 'http://localhost:11434',
      operations: ALL_OPERATIONS,
      authOptional: true,
      keyBaseUrl: (key) => key.ollama_key_config?.url,
    }),
    openAICompatible({
      id: 'vllm',
      operations: ALL_OPERATIONS,
      authOptional: true,
      keyBaseUrl: (key) => key.vllm_key_config?.url,
      // One vLLM server serves one model: the key names the id it was started with.
      upstreamModel: (model, key) => key.vllm_key_config?.model_name || model,
    }),
    openAICompatible({
      id: 'sgl',
      operations: CHAT_COMPLETIONS_EMBEDDINGS,
      authOptional: true,
      keyBaseUrl: (key) => key.sgl_key_config?.url,
    }),
  ].map((adapter) => [adapter.id, adapter]),
);

/** A custom provider built on an OpenAI-compatible base: every operation, base_url required. */
export function customOpenAICompatible(name: string): ProviderAdapter {
  return openAICompatible({ id: `custom:${name}`, operations: ALL_OPERATIONS, authOptional: true });
}
