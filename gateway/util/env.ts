/**
 * `env.VAR` references in provider config (key values, base URLs, key URLs) are resolved where
 * they are used, from process.env, so a secret never sits in the snapshot in clear when the
 * operator chose a reference.
 */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvRef(value: string): boolean {
  return value.startsWith('env.') && ENV_NAME.test(value.slice(4));
}

/** The value itself, or the variable it names; `undefined` when that variable is unset. */
export function resolveEnv(value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith('env.')) return value;
  return isEnvRef(value) ? process.env[value.slice(4)] : value;
}
