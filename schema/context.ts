/**
 * What every resolver receives. api/ builds it per HTTP request or per graphql-ws connection;
 * schema/ only depends on these interfaces, so auth mechanics (argon2, tokens, rate limits)
 * stay in the composition root.
 */
import type { Database, SecretBox } from '../db/index.ts';
import type { GovernanceChannel } from '../clients/contract/governance.ts';
import type { GatewaySnapshot } from '../clients/contract/snapshot.ts';
import type { HeimdallPubSub } from './pubsub.ts';
import type { BudgetCounters, RateLimitCounters } from '../clients/contract/rate-counters.ts';

/** `read` for dashboards, `write` for scripts that change config, `gateway` for gateway replicas. */
export type Scope = 'read' | 'write' | 'gateway';
export const ALL_SCOPES: readonly Scope[] = ['read', 'write', 'gateway'];

export interface Principal {
  /** `open` when auth is disabled: everything is allowed. */
  kind: 'open' | 'session' | 'token';
  /** Admin token id (sessions and API tokens both live in admin_tokens). */
  tokenId?: string;
  scopes: ReadonlySet<Scope>;
}

export interface LoginResult {
  token: string;
  expiresAt: number;
  username: string;
}

export interface AuthService {
  /** False in the dev default (`governance.auth_config.is_enabled` unset): no credentials needed. */
  readonly enabled: boolean;
  /**
   * Checks a username/password and opens a session. Throws `InvalidCredentialsError` or
   * `LoginRateLimitedError` (schema/errors.ts) for the outcomes a client branches on.
   */
  login(username: string, password: string, client: string): Promise<LoginResult>;
}

export interface Context {
  database: Database;
  box: SecretBox;
  pubsub: HeimdallPubSub;
  /** Resolves `env.VAR` references in documents given to `applyConfig`. */
  env: NodeJS.ProcessEnv;
  auth: AuthService;
  /** Undefined when auth is enabled and the caller presented no valid credentials. */
  principal: Principal | undefined;
  /** Remote address, for login rate limiting. */
  client: string;
  /** The process logger (api/logger.ts), for audit lines such as a provider repointed; absent in some tests. */
  logger?: { warn(message: string, fields?: Record<string, unknown>): void };
  /**
   * The gateway snapshot as the in-process gateway gets it (with price overrides from the
   * governance service); `gatewaySnapshot` falls back to the database alone without it.
   */
  snapshot?: () => Promise<GatewaySnapshot>;
  /**
   * Live budget counters when they are ahead of the database (in-memory counters with
   * write-behind on SQLite, Redis); absent when the database row is the live state.
   */
  budgetCounters?: (id: string) => Promise<BudgetCounters | undefined>;
  /**
   * Live rate-limit counters when they are ahead of the database (as for `budgetCounters`);
   * absent when the database row is the live state.
   */
  rateLimitCounters?: (id: string) => Promise<RateLimitCounters | undefined>;
  /**
   * The governance channel (leases, usage ledger, request logs) that remote gateways reach
   * through the `acquireLease` / `reportUsage` / `writeRequestLogs` mutations; absent until the
   * governance service runs.
   */
  governance?: GovernanceChannel;
}

export function hasScope(context: Context, scope: Scope): boolean {
  return context.principal?.scopes.has(scope) ?? false;
}

/**
 * The admin is whoever logged in with the admin password (a session), or everyone when auth is
 * off. API tokens never are, whatever their scopes: a leaked WRITE token must not be able to mint,
 * list or revoke credentials, nor redirect where stored secrets are sent.
 */
export function isAdmin(context: Context): boolean {
  const kind = context.principal?.kind;
  return kind === 'session' || kind === 'open';
}
