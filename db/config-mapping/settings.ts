/**
 * The file's single-valued sections, stored as JSON in config_meta: `client` and
 * `governance.auth_config` (whose password lives hashed on the admin user, not here).
 */
import type { GovernanceConfig } from '../config/governance.ts';
import { clientConfig, type ClientConfig } from '../config/model.ts';
import type { AdminUserRecord } from '../repositories/admin.ts';
import type { SecretMode } from '../secrets.ts';
import { compact } from './common.ts';

export const CLIENT_META_KEY = 'client';
export const AUTH_META_KEY = 'auth';

type AuthConfig = NonNullable<GovernanceConfig['auth_config']>;

/** Client settings as stored, with defaults for anything added since they were written. */
export const clientToConfig = (stored: unknown): ClientConfig => clientConfig.parse(stored ?? {});

/** The config_meta value for `client`. */
export const clientFromConfig = (client: ClientConfig): string => JSON.stringify(client);

export function authToConfig(
  stored: Record<string, unknown> | undefined,
  adminUsers: AdminUserRecord[],
  mode: SecretMode,
): GovernanceConfig['auth_config'] {
  if (!stored) return undefined;
  const auth = stored as AuthConfig;
  const hash = adminUsers.find((user) => user.username === auth.admin_username)?.passwordHash;
  if (!hash) return auth;
  // A hash cannot be turned back into the password; only a reference can be shown as it is.
  const password = hash.startsWith('env.') ? hash : mode === 'reference' ? 'env.ADMIN_PASSWORD' : undefined;
  const shown = mode === 'masked' ? '********' : password;
  return compact({ ...auth, admin_password: shown });
}

/** The config_meta value for `auth`, and the admin credentials, which live on the admin user. */
export function authFromConfig(auth: AuthConfig): {
  meta: string;
  username: string | undefined;
  password: string | undefined;
} {
  const { admin_password: password, ...settings } = auth;
  return { meta: JSON.stringify(settings), username: settings.admin_username, password };
}
