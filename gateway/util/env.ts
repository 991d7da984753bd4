/**
 * `env.VAR` references in provider config (key values, base URLs, key URLs) are resolved where
 * they are used, from process.env, so a secret never sits in the snapshot in clear when the
 * operator chose a reference. A reference to one of Heimdall's own credentials (admin password,
 * encryption key, database URL…) resolves to nothing, whoever stored it and whenever: those go
 * to no provider (clients/contract/env-references.ts).
 */
import { isOwnCredential } from '../../clients/contract/env-references.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvRef(value: string): boolean {
  return value.startsWith('env.') && ENV_NAME.test(value.slice(4));
}

/** Whether `value` is a reference to one of Heimdall's own credentials. */
export function refersToOwnCredential(value: string | undefined): boolean {
  return value !== undefined && isEnvRef(value) && isOwnCredential(value.slice(4));
}

/** The value itself, or the variable it names; `undefined` when that variable is unset or refused. */
export function resolveEnv(value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith('env.')) return value;
  if (!isEnvRef(value)) return value;
  const name = value.slice(4);
  return isOwnCredential(name) ? undefined : process.env[name];
}
