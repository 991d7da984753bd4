/**
 * `env.VAR` references: a config value that names an environment variable instead of holding
 * a secret. They are stored as written and resolved only where the value is used, so a rotated
 * secret needs a restart of the process, not a change of the database.
 */
import { isOwnCredential } from '../../clients/contract/env-references.ts';

const ENV_PREFIX = 'env.';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvRef(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENV_PREFIX) && ENV_NAME.test(value.slice(4));
}

export function envRefName(value: string): string {
  return value.slice(ENV_PREFIX.length);
}

/** Resolves a value that may be an `env.VAR` reference; undefined when the variable is unset. */
export function resolveEnvRef(value: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return isEnvRef(value) ? env[envRefName(value)] : value;
}

/**
 * Credentials of the host (cloud SDK variables). The operator may hand them to a provider from
 * the config file (Bedrock with the pod's AWS keys, say); an API caller never may.
 */
const HOST_CREDENTIALS = [/^AWS_/, /^AZURE_/, /^ARM_/, /^GOOGLE_/, /^GCP_/, /^GCLOUD_/, /^CLOUDSDK_/];

// Heimdall's own credentials: one list, shared with the gateway, which refuses them at use too.
export { isOwnCredential };

/** Where API callers' allow-list comes from, and its default. */
const API_ENV_PREFIXES_VAR = 'HEIMDALL_API_ENV_PREFIXES';
const DEFAULT_API_ENV_PREFIXES = 'HEIMDALL_SECRET_*';

/** `HEIMDALL_API_ENV_PREFIXES`: comma-separated name prefixes (a trailing `*` is optional); empty = none. */
function apiEnvPrefixes(env: NodeJS.ProcessEnv): string[] {
  const raw = env[API_ENV_PREFIXES_VAR] ?? DEFAULT_API_ENV_PREFIXES;
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => (p.endsWith('*') ? p.slice(0, -1) : p));
}

/**
 * Why an API caller (GraphQL mutation, applyConfig) may not reference `env.<name>`, or undefined
 * when it may: the process environment belongs to the operator, so callers reach only names the
 * operator opened with HEIMDALL_API_ENV_PREFIXES, and never a credential of Heimdall or the host.
 */
export function apiEnvRefRefusal(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (isOwnCredential(name) || HOST_CREDENTIALS.some((re) => re.test(name)))
    return `env.${name} names a credential of Heimdall or its host, which API callers may never reference; put the provider's own secret in a variable matching ${API_ENV_PREFIXES_VAR}, or send the value itself`;
  const prefixes = apiEnvPrefixes(env);
  if (prefixes.some((p) => name.startsWith(p))) return undefined;
  const allowed = prefixes.length > 0 ? prefixes.map((p) => `${p}*`).join(', ') : '(none)';
  return `env.${name} is not open to API callers (allowed: ${allowed}); reference it from the config file, send the value itself, or have the operator extend ${API_ENV_PREFIXES_VAR}`;
}
