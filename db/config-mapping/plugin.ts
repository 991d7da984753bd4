/** Plugin rows ↔ `plugins[]`: the stored columns are the file's fields. */
import type { PluginConfig } from '../config/model.ts';
import type { PluginInput, PluginRecord } from '../repositories/routing.ts';

export function pluginToConfig(row: PluginRecord): PluginConfig {
  return { name: row.name, enabled: row.enabled, version: row.version, config: row.config };
}

export function pluginFromConfig(entity: PluginConfig): PluginInput {
  return { name: entity.name, enabled: entity.enabled, version: entity.version, config: entity.config };
}
