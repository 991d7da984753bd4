/**
 * Checks zod cannot express: unique ids, references between entities, provider-specific key
 * blocks, and `env.VAR` references whose variable is missing.
 */
import { envRefName, isEnvRef, isOwnCredential, resolveEnvRef } from './env-ref.ts';
import type { ConfigIssue } from './issues.ts';
import type { HeimdallConfig } from './model.ts';
import { KNOWN_PROVIDERS, type ProviderConfig } from './providers.ts';

const known = new Set<string>(KNOWN_PROVIDERS);

/** Key blocks a provider cannot work without (when no network_config.base_url replaces them). */
const REQUIRED_KEY_BLOCK: Record<string, keyof ProviderConfig['keys'][number]> = {
  azure: 'azure_key_config',
  bedrock: 'bedrock_key_config',
  vertex: 'vertex_key_config',
  vllm: 'vllm_key_config',
};

function checkProviders(config: HeimdallConfig, issues: ConfigIssue[]): void {
  for (const [name, provider] of Object.entries(config.providers)) {
    const base = `providers.${name}`;
    const hasBaseUrl = Boolean(provider.network_config?.base_url);
    if (!known.has(name) && !hasBaseUrl) {
      issues.push({
        path: base,
        message: `unknown provider "${name}"; use one of ${KNOWN_PROVIDERS.join(', ')}, or set network_config.base_url to add it as a custom OpenAI-compatible provider`,
      });
    }
    const seen = new Set<string>();
    provider.keys.forEach((key, index) => {
      const path = `${base}.keys[${index}]`;
      if (seen.has(key.name))
        issues.push({
          path: `${path}.name`,
          message: `duplicate key name "${key.name}"; key names must be unique within a provider`,
        });
      seen.add(key.name);
      const block = REQUIRED_KEY_BLOCK[name];
      if (block && !key[block] && !hasBaseUrl) {
        issues.push({
          path: `${path}.${block}`,
          message: `required for ${name} keys; add ${block} (see the README's provider reference)`,
        });
      }
    });
  }
}

type Section = keyof HeimdallConfig['governance'];

function checkUniqueIds(config: HeimdallConfig, issues: ConfigIssue[]): Map<Section, Set<string>> {
  const ids = new Map<Section, Set<string>>();
  const sections: Section[] = [
    'budgets',
    'rate_limits',
    'customers',
    'teams',
    'virtual_keys',
    'model_configs',
    'routing_rules',
  ];
  for (const section of sections) {
    const set = new Set<string>();
    const list = config.governance[section] as Array<{ id: string }>;
    list.forEach((entity, index) => {
      if (set.has(entity.id))
        issues.push({
          path: `governance.${section}[${index}].id`,
          message: `duplicate id "${entity.id}"; ids must be unique within ${section}`,
        });
      set.add(entity.id);
    });
    ids.set(section, set);
  }
  return ids;
}

function checkReferences(
  config: HeimdallConfig,
  ids: Map<Section, Set<string>>,
  issues: ConfigIssue[],
): void {
  const gov = config.governance;
  const ref = (path: string, value: string | undefined, section: Section, what: string) => {
    if (value !== undefined && value !== '' && !ids.get(section)?.has(value)) {
      issues.push({
        path,
        message: `${what} "${value}" does not exist; define it under governance.${section} or remove the reference`,
      });
    }
  };
  const limits = (
    path: string,
    e: { budget_id?: string | undefined; rate_limit_id?: string | undefined },
  ) => {
    ref(`${path}.budget_id`, e.budget_id, 'budgets', 'budget');
    ref(`${path}.rate_limit_id`, e.rate_limit_id, 'rate_limits', 'rate limit');
  };
  gov.customers.forEach((c, i) => limits(`governance.customers[${i}]`, c));
  gov.teams.forEach((t, i) => {
    limits(`governance.teams[${i}]`, t);
    ref(`governance.teams[${i}].customer_id`, t.customer_id, 'customers', 'customer');
  });
  const values = new Map<string, number>();
  gov.virtual_keys.forEach((vk, i) => {
    const path = `governance.virtual_keys[${i}]`;
    limits(path, vk);
    ref(`${path}.team_id`, vk.team_id, 'teams', 'team');
    ref(`${path}.customer_id`, vk.customer_id, 'customers', 'customer');
    if (vk.team_id && vk.customer_id)
      issues.push({
        path,
        message: 'a virtual key belongs to a team or a customer, not both; remove team_id or customer_id',
      });
    const prior = values.get(vk.value);
    if (prior !== undefined)
      issues.push({
        path: `${path}.value`,
        message: `same value as governance.virtual_keys[${prior}]; virtual key values must be unique`,
      });
    values.set(vk.value, i);
    vk.provider_configs.forEach((pc, j) => {
      const pcPath = `${path}.provider_configs[${j}]`;
      limits(pcPath, pc);
      checkProviderName(config, `${pcPath}.provider`, pc.provider, issues);
      const provider = config.providers[pc.provider];
      pc.key_ids.forEach((keyName, k) => {
        if (provider && !provider.keys.some((key) => key.name === keyName)) {
          issues.push({
            path: `${pcPath}.key_ids[${k}]`,
            message: `provider "${pc.provider}" has no key named "${keyName}"; use one of ${provider.keys.map((key) => key.name).join(', ') || '(none)'}`,
          });
        }
      });
    });
  });
  gov.model_configs.forEach((m, i) => limits(`governance.model_configs[${i}]`, m));
  gov.providers.forEach((p, i) => {
    limits(`governance.providers[${i}]`, p);
    checkProviderName(config, `governance.providers[${i}].name`, p.name, issues);
  });
  gov.routing_rules.forEach((rule, i) => {
    const path = `governance.routing_rules[${i}]`;
    if (rule.scope !== 'global') {
      const section: Section =
        rule.scope === 'virtual_key' ? 'virtual_keys' : rule.scope === 'team' ? 'teams' : 'customers';
      if (!rule.scope_id)
        issues.push({
          path: `${path}.scope_id`,
          message: `required when scope is "${rule.scope}"; set it to the ${rule.scope} id`,
        });
      else ref(`${path}.scope_id`, rule.scope_id, section, rule.scope.replace('_', ' '));
    }
    rule.targets.forEach((t, j) =>
      checkProviderName(config, `${path}.targets[${j}].provider`, t.provider, issues),
    );
  });
}

function checkProviderName(config: HeimdallConfig, path: string, name: string, issues: ConfigIssue[]): void {
  if (!known.has(name) && !config.providers[name]) {
    issues.push({
      path,
      message: `unknown provider "${name}"; configure it under providers or use one of ${KNOWN_PROVIDERS.join(', ')}`,
    });
  }
}

/**
 * Stands for "the value already stored" where a virtual key's value cannot be given (applyConfig
 * documents from an export); no real value starts with NUL.
 */
export const KEPT_VALUE_PREFIX = '\u0000keep-stored-value';

/** Shorter virtual keys are guessable; generated ones (`sk-bf-` + 32 hex) are 38 characters. */
export const MIN_VIRTUAL_KEY_LENGTH = 20;

/** Why a virtual key value (literal or `env.VAR`, resolved) is refused, or undefined. Never echoes it. */
export function virtualKeyValueProblem(value: string, env: NodeJS.ProcessEnv): string | undefined {
  if (value.startsWith(KEPT_VALUE_PREFIX)) return undefined;
  const resolved = resolveEnvRef(value, env);
  if (resolved === undefined || resolved.length >= MIN_VIRTUAL_KEY_LENGTH) return undefined;
  const what = isEnvRef(value) ? `environment variable ${envRefName(value)} holds` : 'got';
  return `a virtual key value needs at least ${MIN_VIRTUAL_KEY_LENGTH} characters (${what} ${resolved.length}); use a longer random value, or omit it to have one generated`;
}

function checkVirtualKeyValues(config: HeimdallConfig, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): void {
  config.governance.virtual_keys.forEach((vk, i) => {
    const message = virtualKeyValueProblem(vk.value, env);
    if (message) issues.push({ path: `governance.virtual_keys[${i}].value`, message });
  });
}

/** Walks the raw document so paths match what the user wrote. */
function checkEnvRefs(value: unknown, path: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): void {
  if (isEnvRef(value)) {
    const name = envRefName(value);
    // Provider settings are sent to the provider's host: never one of Heimdall's own secrets.
    if (path.startsWith('providers.') && isOwnCredential(name))
      issues.push({
        path,
        message: `env.${name} holds one of Heimdall's own credentials and would be sent to this provider; put the provider's secret in its own variable (e.g. env.OPENAI_API_KEY)`,
      });
    else if (env[name] === undefined)
      issues.push({
        path,
        message: `environment variable ${name} is not set (referenced as "${value}"); export it or replace the reference`,
      });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkEnvRefs(item, `${path}[${i}]`, env, issues));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value))
      checkEnvRefs(inner, path ? `${path}.${key}` : key, env, issues);
  }
}

export function checkConfigReferences(config: HeimdallConfig, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  checkProviders(config, issues);
  const ids = checkUniqueIds(config, issues);
  checkReferences(config, ids, issues);
  checkEnvRefs(config, '', env, issues);
  checkVirtualKeyValues(config, env, issues);
  return issues;
}
