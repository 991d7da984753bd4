/**
 * The config file as start-up reads it: HEIMDALL_CONFIG, else ./config.json or ./config.yaml,
 * validated with path-precise errors (ConfigError), routing-rule expressions included; without a
 * file, an empty config and a warning.
 */
import { findConfigFile, loadConfigFile, validateConfig, type LoadedConfig } from '../db/index.ts';
import type { Logger } from './logger.ts';
import { checkRoutingRules } from './rule-check.ts';

export function loadConfig(env: NodeJS.ProcessEnv, cwd: string, logger: Logger): LoadedConfig {
  const file = findConfigFile(env, cwd);
  if (!file) {
    logger.warn(
      'no config file found (HEIMDALL_CONFIG, ./config.json, ./config.yaml); starting with an empty config',
    );
    return validateConfig({}, { env, source: 'empty config' });
  }
  const loaded = loadConfigFile(file, env);
  for (const warning of loaded.warnings) logger.warn(`config: ${warning}`, { file });
  checkRoutingRules(loaded.config, loaded.source);
  return loaded;
}
