/**
 * Admin auth on inference (Bifrost's `auth_config.disable_auth_on_inference: false`, its
 * default): with `governance.auth_config.is_enabled`, a caller without a virtual key needs the
 * admin's credentials. The gateway asks through the check made here, which answers from memory:
 * the inference hot path must not pay an argon2 verification or a database query per request.
 *
 * - Basic `username:password` is compared (SHA-256 digests, constant time) with the configured
 *   admin, the only password login when auth is on; no argon2, no database. Failures are
 *   throttled per (username, client) like the `login` mutation, so inference is no way around it.
 * - Bearer session or API tokens are looked up once through the control plane's authenticator,
 *   then remembered for `ttlMs`: a revoked or expired token stops working on inference within it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AdminCredentialCheck, Gateway } from '../gateway/create-gateway.ts';
import { adminCredentials, type Authenticator, type AuthSettings } from './graphql/auth.ts';
import { LoginLimiter } from './graphql/login-limiter.ts';
import type { Logger } from './logger.ts';

export interface InferenceAuthSettings extends AuthSettings {
  disable_auth_on_inference?: boolean;
}

/** Bifrost's semantics: admin auth covers inference unless `disable_auth_on_inference` is set. */
export function inferenceAuthRequired(settings: InferenceAuthSettings | undefined): boolean {
  return settings?.is_enabled === true && settings.disable_auth_on_inference !== true;
}

export interface AdminCheckOptions {
  /** The control plane's authenticator (verifies Bearer tokens against the database). */
  auth: Pick<Authenticator, 'authenticate'>;
  /** `governance.auth_config` as configured (the admin's username and password). */
  settings: AuthSettings | undefined;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** How long a verified token is trusted without asking the database again. @default 30 000 */
  ttlMs?: number;
  /** How long a refused token is refused without asking again. @default 5 000 */
  refusedTtlMs?: number;
  /** Basic-auth failures allowed per (username, client). @default 5 per 15 minutes */
  limiter?: LoginLimiter;
  now?: () => number;
}

/** Past this many remembered tokens a map starts over (random tokens cannot grow memory). */
const MAX_REMEMBERED = 10_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  if (map.size >= MAX_REMEMBERED) map.clear();
  map.set(key, value);
}

export function createAdminCredentialCheck(options: AdminCheckOptions): AdminCredentialCheck {
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? 30_000;
  const refusedTtl = options.refusedTtlMs ?? 5_000;
  const limiter = options.limiter ?? new LoginLimiter();
  const admin = adminCredentials(options.settings, options.env);
  // Only a digest is kept, not the password itself.
  const adminDigest = admin ? sha256(`${admin.username}:${admin.password}`) : undefined;
  // Verified and refused tokens apart, so a flood of random tokens never evicts a good one.
  const verified = new Map<string, number>();
  const refused = new Map<string, number>();
  const pending = new Map<string, Promise<boolean>>();

  function basic(encoded: string, req: IncomingMessage): boolean {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const username = decoded.slice(0, Math.max(decoded.indexOf(':'), 0));
    const attempt = { username, client: req.socket.remoteAddress ?? 'unknown' };
    if (adminDigest === undefined || limiter.retryAfterSeconds(attempt) > 0) return false;
    const ok = timingSafeEqual(sha256(decoded), adminDigest);
    if (ok) limiter.succeed(attempt);
    else limiter.fail(attempt);
    return ok;
  }

  function bearer(token: string): boolean | Promise<boolean> {
    const key = sha256(token).toString('hex');
    const at = now();
    if ((verified.get(key) ?? 0) > at) return true;
    if ((refused.get(key) ?? 0) > at) return false;
    const inFlight = pending.get(key);
    if (inFlight) return inFlight;
    const lookup = options.auth
      .authenticate(token)
      .then((principal) => {
        if (principal === undefined) remember(refused, key, now() + refusedTtl);
        else remember(verified, key, now() + ttl);
        return principal !== undefined;
      })
      .catch((error: unknown) => {
        options.logger.warn('inference: admin token could not be checked', { error });
        throw error;
      })
      .finally(() => pending.delete(key));
    pending.set(key, lookup);
    return lookup;
  }

  return (req) => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^\s*(Basic|Bearer)\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return false;
    return match[1]!.toLowerCase() === 'basic' ? basic(match[2]!, req) : bearer(match[2]!);
  };
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * The data plane's counterpart of the control plane's "auth is disabled" warning: logged once
 * at start when anyone who can reach the port may spend the operator's provider keys.
 */
export function warnIfInferenceOpen(server: Server, gateway: Gateway, logger: Logger): void {
  const bound = server.address();
  if (bound === null || typeof bound === 'string' || isLoopback(bound.address)) return;
  if (!gateway.acceptsAnonymousInference()) return;
  logger.warn(
    'inference (/v1/*, /anthropic/*) accepts callers without credentials on a non-loopback address: require virtual keys (client.enforce_auth_on_inference) or admin auth (governance.auth_config.is_enabled), or listen on 127.0.0.1 (HOST)',
    { address: bound.address, port: bound.port },
  );
}
