/**
 * `env.VAR` references: a config value that names an environment variable instead of holding
 * a secret. They are stored as written and resolved only where the value is used, so a rotated
 * secret needs a restart of the process, not a change of the database.
 */
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
