/**
 * The seed documents' example (test/fixtures/seed-values.yaml: providers and governance) as
 * GraphQL mutations: every entity goes in through an upsert, nothing through the config file.
 */
import { join } from 'node:path';
import { loadConfigFile } from '../../db/config/load.ts';
import type { HeimdallConfig } from '../../db/config/model.ts';
import { SEED_ENV } from '../fixtures/seed-env.ts';
import type { TestControlPlane } from './harness.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export function seedConfig(): HeimdallConfig {
  return loadConfigFile(join(ROOT, 'test/fixtures/seed-values.yaml'), SEED_ENV).config;
}

/**
 * API callers may reference only variables the operator opened to them (HEIMDALL_SECRET_* by
 * default, never cloud credentials such as AWS_*), so the seed's `env.X` references go in as
 * `env.HEIMDALL_SECRET_X`; SEED_API_ENV holds them.
 */
const API_PREFIX = 'HEIMDALL_SECRET_';
export const SEED_API_ENV: Record<string, string> = {
  ...SEED_ENV,
  ...Object.fromEntries(Object.entries(SEED_ENV).map(([name, value]) => [`${API_PREFIX}${name}`, value])),
};
const apiRef = (value: string) =>
  /^env\.[A-Za-z_]\w*$/.test(value) ? `env.${API_PREFIX}${value.slice(4)}` : value;

/** Input objects are camelCase; JSON-valued fields keep the config file's own spelling. */
const VERBATIM = /(_config|^aliases|^config|^concurrency_and_buffer_size)$/;
const camel = (key: string) => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

export function toInput(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toInput);
  if (typeof value === 'string') return apiRef(value);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      camel(key),
      VERBATIM.test(key) ? refsIn(inner) : toInput(inner),
    ]),
  );
}

/** The API spelling of references inside JSON-valued fields (key configs), keys unchanged. */
function refsIn(value: unknown): unknown {
  if (typeof value === 'string') return apiRef(value);
  if (Array.isArray(value)) return value.map(refsIn);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, refsIn(inner)]));
}

const enums = (input: Record<string, unknown>) => ({
  ...input,
  ...(typeof input.mode === 'string' ? { mode: input.mode.toUpperCase() } : {}),
  ...(typeof input.scope === 'string' ? { scope: input.scope.toUpperCase() } : {}),
});

function upsert(name: string, inputType: string, selection = '__typename') {
  return `mutation($input: ${inputType}!) { ${name}(input: $input) { __typename ... on Error { code message } ${selection} } }`;
}

/** Runs every upsert; throws on the first typed error. Returns the number of mutations sent. */
export async function seedThroughMutations(cp: TestControlPlane, token?: string): Promise<number> {
  const config = seedConfig();
  let sent = 0;
  const run = async (name: string, inputType: string, input: unknown) => {
    const data = await cp.ok<Record<string, { __typename: string; code?: string; message?: string }>>(
      upsert(name, inputType),
      { input: enums(toInput(input) as Record<string, unknown>) },
      token,
    );
    const result = data[name]!;
    if (result.code) throw new Error(`${name}: ${result.code} ${result.message}`);
    sent += 1;
  };
  const gov = config.governance;
  for (const b of gov.budgets) await run('upsertBudget', 'BudgetInput', b);
  for (const r of gov.rate_limits) await run('upsertRateLimit', 'RateLimitInput', r);
  for (const c of gov.customers) await run('upsertCustomer', 'CustomerInput', c);
  for (const t of gov.teams) await run('upsertTeam', 'TeamInput', t);
  for (const [name, { keys, ...settings }] of Object.entries(config.providers)) {
    await run('upsertProvider', 'ProviderInput', { name, ...settings });
    for (const key of keys) await run('upsertProviderKey', 'ProviderKeyInput', { provider: name, ...key });
  }
  for (const vk of gov.virtual_keys) await run('upsertVirtualKey', 'VirtualKeyInput', vk);
  for (const m of gov.model_configs) await run('upsertModelConfig', 'ModelConfigInput', m);
  for (const p of gov.providers) await run('upsertProviderGovernance', 'ProviderGovernanceInput', p);
  for (const r of gov.routing_rules) await run('upsertRoutingRule', 'RoutingRuleInput', r);
  for (const p of config.plugins) await run('upsertPluginConfig', 'PluginConfigInput', p);
  return sent;
}
