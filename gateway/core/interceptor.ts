/**
 * The contract of plugins that may answer an attempt instead of the provider (plugins/ builds
 * them, the engine calls them). An interceptor runs at the start of every attempt (after the
 * target is known, before a key is chosen); what it returns is treated exactly like a provider's
 * response in canonical OpenAI form, so retries, fallbacks, streaming, usage and metrics behave
 * the same for mocked and real answers.
 */
import type { JsonObject, Operation } from './types.ts';

export interface InterceptedResponse {
  status: number;
  contentType: string;
  /** The full body: JSON, or the whole SSE text for streams. */
  body: string;
  /** Wait this long before answering (simulated latency). */
  delayMs: number;
}

/**
 * What an interceptor may read of the request. The request context satisfies it as it is (no
 * copy per attempt); `promptText` is the one thing an interceptor may write, a lazily built memo.
 */
export interface InterceptInput {
  readonly operation: Operation;
  readonly stream: boolean;
  readonly body: JsonObject;
  promptText: string | undefined;
}

/** Which provider and model the attempt is for (a Target, read through this narrower shape). */
export interface InterceptTarget {
  readonly provider: { readonly name: string };
  readonly model: string;
}

export interface AttemptInterceptor {
  readonly name: string;
  intercept(input: InterceptInput, target: InterceptTarget): InterceptedResponse | undefined;
}

/** How a plugin reports a configuration problem while it is compiled (the gateway's logger). */
export type PluginWarning = (message: string, fields?: object) => void;
