/** Small shared vocabulary of the data plane. */

/** The inference operations of the OpenAI surface; each route maps to one. */
export type Operation = 'chat' | 'completions' | 'embeddings' | 'responses';

export type JsonObject = Record<string, unknown>;

/** Token usage of one upstream call, in the gateway's canonical form. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Prompt tokens served from the provider's cache, when it says. */
  cachedInputTokens?: number;
  /** Prompt tokens written to the provider's cache (Anthropic, Bedrock), when it says. */
  cacheWriteInputTokens?: number;
  /** Counted by Heimdall from what a stream relayed: the provider never reported usage. */
  estimated?: boolean;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON object a text holds, or undefined when it is not JSON or not an object (stream events). */
export function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
