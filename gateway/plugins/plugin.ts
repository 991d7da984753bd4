/**
 * The plugins of a snapshot: which built-in ones run, and the attempt interceptors (the contract
 * is core/interceptor.ts) of the enabled plugins that have one.
 */
import type { PluginSnapshot } from '../../clients/contract/snapshot.ts';
import type { AttemptInterceptor, PluginWarning } from '../core/interceptor.ts';
import { compileMocker } from './mocker/mocker.ts';

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
