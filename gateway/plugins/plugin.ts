/**
 * Plugins that may answer an attempt instead of the provider. An interceptor runs at the start
 * of every attempt (after the target is known, before a key is chosen); what it returns is
 * treated exactly like a provider's response in canonical OpenAI form, so retries, fallbacks,
 * streaming, usage and metrics behave the same for mocked and real answers.
 */
import type { PluginSnapshot } from '../../clients/contract/snapshot.ts';
import type { RequestContext } from '../context.ts';
import type { Target } from '../routing/targets.ts';
import { compileMocker } from './mocker/mocker.ts';

export interface InterceptedResponse {
  status: number;
  contentType: string;
  /** The full body: JSON, or the whole SSE text for streams. */
  body: string;
  /** Wait this long before answering (simulated latency). */
  delayMs: number;
}

export interface AttemptInterceptor {
  readonly name: string;
  intercept(ctx: RequestContext, target: Target): InterceptedResponse | undefined;
}

export type PluginWarning = (message: string, fields?: object) => void;

/**
 * Whether a built-in plugin (`governance`, `logging`) runs. As in Bifrost they are on unless
 * configured with `enabled: false`: a config that does not list them keeps them.
 */
export function pluginEnabled(plugins: readonly PluginSnapshot[], name: string): boolean {
  return plugins.find((plugin) => plugin.name === name)?.enabled !== false;
}

/** Interceptors of the enabled plugins that have one; other plugin names are ignored here. */
export function buildInterceptors(
  plugins: readonly PluginSnapshot[],
  warn: PluginWarning,
): AttemptInterceptor[] {
  const result: AttemptInterceptor[] = [];
  for (const plugin of plugins) {
    if (!plugin.enabled) continue;
    if (plugin.name === 'mocker') {
      const mocker = compileMocker(plugin.config, warn);
      if (mocker) result.push(mocker);
    }
  }
  return result;
}
