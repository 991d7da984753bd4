/** The translating adapters, by provider name; the registry (registry.ts) serves them. */
import type { ProviderAdapter } from './adapter.ts';
import { anthropic } from './anthropic/adapter.ts';
import { bedrock } from './bedrock/adapter.ts';
import { cohere } from './cohere/adapter.ts';
import { gemini } from './gemini/adapter.ts';
import { huggingface } from './huggingface/adapter.ts';
import { replicate } from './replicate/adapter.ts';
import { vertex } from './vertex/adapter.ts';

export const TRANSLATING_ADAPTERS: ReadonlyArray<readonly [string, ProviderAdapter]> = [
  ['anthropic', anthropic],
  ['gemini', gemini],
  ['bedrock', bedrock],
  ['vertex', vertex],
  ['cohere', cohere],
  ['huggingface', huggingface],
  ['replicate', replicate],
];
