/**
 * Validates an `applyConfig` document with the config file's own rules (zod model, references,
 * `env.VAR` checks) and reports every problem at the path the user wrote. Differences from a
 * config file at start-up:
 * - without `prune`, references may point at entities that exist only in the database, so
 *   references are checked against the document plus the live entities it does not mention;
 * - a virtual key without `value` keeps its stored value (exports cannot contain values);
 * - `governance.auth_config` is ignored: admin credentials come from the file or environment.
 */
import {
  checkConfigReferences,
  fromZodIssues,
  heimdallConfig,
  normalizeDocument,
  type ConfigIssue,
  type HeimdallConfig,
  type LiveConfig,
} from '../../db/index.ts';
import { checkRoutingExpression } from '../cel.ts';
import { ValidationError } from '../errors.ts';
import { KEEP_VALUE } from '../virtual-key-values.ts';
import { refuseDocumentEnvRefs } from './guards.ts';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface ValidatedDocument {
  config: HeimdallConfig;
  /** Top-level sections and governance lists the document mentions (prune touches only these). */
  sections: Set<string>;
  warnings: string[];
}

const SECTIONS = [
  'budgets',
  'rate_limits',
  'customers',
  'teams',
  'virtual_keys',
  'model_configs',
  'providers',
  'routing_rules',
] as const;

function mentioned(document: Json): Set<string> {
  const sections = new Set(['client', 'providers', 'plugins'].filter((key) => key in document));
  const gov = document.governance;
  if (isObject(gov)) for (const key of SECTIONS) if (key in gov) sections.add(`governance.${key}`);
  return sections;
}

/** Virtual keys written without a value keep theirs; the placeholder is swapped back when applying. */
function keepVirtualKeyValues(document: Json): string[] {
  const warnings: string[] = [];
  const gov = document.governance;
  if (!isObject(gov)) return warnings;
  if ('auth_config' in gov) {
    delete gov.auth_config;
    warnings.push(
      'governance.auth_config: ignored by applyConfig (admin credentials come from the config file or environment)',
    );
  }
  if (Array.isArray(gov.virtual_keys)) {
    gov.virtual_keys = gov.virtual_keys.map((vk: unknown) => {
      if (!isObject(vk)) return vk;
      const { value_hash: _hash, value_suffix: _suffix, ...rest } = vk;
      return rest.value === undefined ? { ...rest, value: `${KEEP_VALUE}${String(rest.id)}` } : rest;
    });
  }
  return warnings;
}

/** The document plus live entities it does not mention, appended so document indices stay put. */
function withLive(config: HeimdallConfig, live: LiveConfig): HeimdallConfig {
  const gov = { ...config.governance } as unknown as Record<string, Array<{ id?: string; name?: string }>>;
  for (const section of SECTIONS) {
    const have = new Set((gov[section] ?? []).map((e) => e.id ?? e.name));
    const extra = (live.governance[section] as Array<{ id?: string; name?: string }>).filter(
      (e) => !have.has(e.id ?? e.name),
    );
    const filled =
      section === 'virtual_keys' ? extra.map((vk) => ({ ...vk, value: `${KEEP_VALUE}${vk.id}` })) : extra;
    gov[section] = [...(gov[section] ?? []), ...filled];
  }
  const providers = { ...live.providers, ...config.providers };
  return { ...config, providers, governance: gov as unknown as HeimdallConfig['governance'] };
}

/** Only problems inside what the document wrote (live entities added for reference checks are not the user's). */
function inDocument(issue: ConfigIssue, config: HeimdallConfig): boolean {
  const match = /^governance\.(\w+)\[(\d+)\]/.exec(issue.path);
  if (match)
    return (
      Number(match[2]) <
      (config.governance[match[1] as keyof HeimdallConfig['governance']] as unknown[]).length
    );
  const provider = /^providers\.([^.[]+)/.exec(issue.path);
  return provider ? provider[1]! in config.providers : true;
}

function checkCel(config: HeimdallConfig): void {
  config.governance.routing_rules.forEach((rule, i) =>
    checkRoutingExpression(rule.cel_expression, `governance.routing_rules[${i}].cel_expression`),
  );
}

export function validateDocument(
  raw: unknown,
  live: LiveConfig,
  options: { prune: boolean; env: NodeJS.ProcessEnv },
): ValidatedDocument {
  if (!isObject(raw))
    throw new ValidationError([{ path: '', message: 'expected a config document (a JSON object)' }]);
  const { document } = normalizeDocument(structuredClone(raw));
  if (!isObject(document))
    throw new ValidationError([{ path: '', message: 'expected a config document (a JSON object)' }]);
  const warnings = keepVirtualKeyValues(document);
  const parsed = heimdallConfig.safeParse(document, { reportInput: true });
  if (!parsed.success) throw new ValidationError(fromZodIssues(parsed.error.issues));
  const config = parsed.data;
  refuseDocumentEnvRefs(config, live, options.env);
  const checked = options.prune ? config : withLive(config, live);
  const issues = checkConfigReferences(checked, options.env).filter((issue) => inDocument(issue, config));
  if (issues.length > 0) throw new ValidationError(issues);
  checkCel(config);
  return { config, sections: mentioned(document), warnings };
}
