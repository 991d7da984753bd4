/**
 * The control plane's admin authentication as start-up opens it: the authenticator, with the
 * admin user brought in line with the config first (a user the config no longer names, or whose
 * password changed, loses its sessions).
 */
import type { Database } from '../../db/index.ts';
import type { Logger } from '../logger.ts';
import {
  adminCredentials,
  createAuthenticator,
  ensureAdminUser,
  type Authenticator,
  type AuthSettings,
} from './auth.ts';

export interface AdminAuthOptions {
  database: Database;
  env: NodeJS.ProcessEnv;
  /** `governance.auth_config` from the config file. */
  settings: AuthSettings | undefined;
  logger: Logger;
}

export async function openAdminAuth(options: AdminAuthOptions): Promise<Authenticator> {
  const { database, env, settings, logger } = options;
  const auth = createAuthenticator({ database, env, settings });
  if (!auth.enabled) {
    logger.warn(
      'control-plane auth is disabled: /graphql accepts every caller (set governance.auth_config.is_enabled)',
    );
    return auth;
  }
  const credentials = adminCredentials(settings, env);
  // Also without credentials: then no admin user keeps a password login.
  const synced = await ensureAdminUser(database, credentials);
  if (synced.removed.length > 0 || synced.revokedSessions > 0)
    logger.warn(
      'admin sign-in follows the config: users it no longer names and changed passwords lost their sessions',
      { ...synced },
    );
  if (!credentials)
    logger.warn(
      'control-plane auth is enabled but no admin credentials are set (auth_config.admin_username/admin_password or HEIMDALL_ADMIN_USERNAME/HEIMDALL_ADMIN_PASSWORD); only existing API tokens can sign in',
    );
  return auth;
}
