/**
 * Control-plane authentication. Off by default (dev): every caller gets every scope. On when
 * `governance.auth_config.is_enabled` is true: the admin logs in with the username/password from
 * `auth_config` (`env.VAR` references allowed) or HEIMDALL_ADMIN_USERNAME/PASSWORD (what the Helm
 * chart injects), stored as an argon2id hash; login returns a session token. Long-lived API tokens
 * carry scopes. Tokens are stored as SHA-256 hashes and compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import {
  createAdminToken,
  findAdminToken,
  getAdminUser,
  hashToken,
  passwordAccepted,
  removeAdminUsersExcept,
  resolveEnvRef,
  storeAdminCredential,
  touchAdminToken,
  type Database,
} from '../../db/index.ts';
import { ALL_SCOPES, type AuthService, type Principal, type Scope } from '../../schema/context.ts';
import { InvalidCredentialsError, LoginRateLimitedError } from '../../schema/errors.ts';
import { LoginLimiter } from './login-limiter.ts';

export interface AuthSettings {
  is_enabled?: boolean;
  admin_username?: string;
  admin_password?: string;
}

export interface Authenticator extends AuthService {
  /** The principal for a bearer token (undefined: none or invalid); everyone is allowed when auth is off. */
  authenticate(bearer: string | undefined): Promise<Principal | undefined>;
}

export interface AuthenticatorOptions {
  database: Database;
  settings?: AuthSettings;
  env: NodeJS.ProcessEnv;
  /** Session lifetime. @default 12 hours */
  sessionTtlMs?: number;
  limiter?: LoginLimiter;
}

const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const OPEN: Principal = { kind: 'open', scopes: new Set(ALL_SCOPES) };
/** A real hash to verify against when the username is unknown, so timing does not reveal which. */
const DUMMY_HASH = argon2.hash('heimdall-dummy-password', ARGON2);

export function adminCredentials(
  settings: AuthSettings | undefined,
  env: NodeJS.ProcessEnv,
): { username: string; password: string } | undefined {
  const resolve = (value: string | undefined) => (value ? resolveEnvRef(value, env) : undefined);
  const username = resolve(settings?.admin_username) ?? env.HEIMDALL_ADMIN_USERNAME;
  const password = resolve(settings?.admin_password) ?? env.HEIMDALL_ADMIN_PASSWORD;
  return username && password ? { username, password } : undefined;
}

export interface AdminSync {
  /** Admin users deleted (with their sessions) because the config no longer names them. */
  removed: string[];
  /** Sessions of the configured admin revoked because its password changed. */
  revokedSessions: number;
}

/**
 * Runs at start with auth on: the configured admin becomes the only password login. Every other
 * admin user is deleted with its sessions (a renamed admin's old name stops working), and the
 * configured admin's password is stored as an argon2id hash; when that is a different password
 * than before, its sessions are revoked. API tokens are not bound to a user and stay.
 */
export async function ensureAdminUser(
  database: Database,
  credentials: { username: string; password: string } | undefined,
): Promise<AdminSync> {
  const removed = await removeAdminUsersExcept(database, credentials?.username);
  if (!credentials) return { removed, revokedSessions: 0 };
  const user = await getAdminUser(database, credentials.username);
  // Already an argon2id hash of this password: nothing to write, nobody to log out.
  if (
    user?.passwordHash.startsWith('$argon2') &&
    (await passwordAccepted(user.passwordHash, credentials.password))
  )
    return { removed, revokedSessions: 0 };
  // Anything else (a scrypt hash or env reference written by config reconciliation, or another
  // password) is replaced: the configured password wins, hashed with argon2id.
  const { revokedSessions } = await storeAdminCredential(database, credentials.username, {
    password: credentials.password,
    stored: await argon2.hash(credentials.password, ARGON2),
  });
  return { removed, revokedSessions };
}

function scopesOf(list: string[]): Set<Scope> {
  return new Set(list.filter((scope): scope is Scope => (ALL_SCOPES as readonly string[]).includes(scope)));
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { database, env } = options;
  const enabled = options.settings?.is_enabled ?? false;
  const ttl = options.sessionTtlMs ?? 12 * 60 * 60_000;
  const limiter = options.limiter ?? new LoginLimiter();
  const touched = new Map<string, number>();
  const configuredUsername = adminCredentials(options.settings, env)?.username;

  return {
    enabled,
    async login(username, password, client) {
      const attempt = { username, client };
      const wait = limiter.retryAfterSeconds(attempt);
      if (wait > 0) throw new LoginRateLimitedError(wait);
      const user = await getAdminUser(database, username);
      // With auth on only the configured admin logs in with a password, whatever else the
      // database holds (start-up deletes other users; this also covers a replica whose
      // database another replica seeded).
      const allowed = user && (!enabled || username === configuredUsername);
      const ok = allowed
        ? await passwordAccepted(user.passwordHash, password, env)
        : await argon2.verify(await DUMMY_HASH, password).then(() => false);
      if (!user || !ok) {
        limiter.fail(attempt);
        throw new InvalidCredentialsError();
      }
      limiter.succeed(attempt);
      const expiresAt = Date.now() + ttl;
      const { token } = await createAdminToken(database, {
        userId: user.id,
        name: `session:${username}`,
        scopes: [...ALL_SCOPES],
        expiresAt,
      });
      return { token, expiresAt, username };
    },
    async authenticate(bearer) {
      if (!enabled) return OPEN;
      if (!bearer) return undefined;
      const record = await findAdminToken(database, bearer);
      if (!record || !timingSafeEqual(Buffer.from(hashToken(bearer)), Buffer.from(record.tokenHash)))
        return undefined;
      const now = Date.now();
      if ((touched.get(record.id) ?? 0) < now - 60_000) {
        touched.set(record.id, now);
        await touchAdminToken(database, record.id, now);
      }
      return {
        kind: record.name.startsWith('session:') ? 'session' : 'token',
        tokenId: record.id,
        scopes: scopesOf(record.scopes),
      };
    },
  };
}

/** `Authorization: Bearer <token>` (or a bare token) → the token. */
export function bearerFrom(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(header);
  return match?.[1];
}
