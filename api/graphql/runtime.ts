/**
 * The control plane's runtime, assembled once by start.ts: the event channel (in memory,
 * Postgres or Redis), the typed pub/sub over it, `configChanged` for the in-process gateway,
 * admin authentication, and the GraphQL server (HTTP handler + graphql-ws on upgrade).
 */
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import type { StoreConfig } from '../../db/config/model.ts';
import { chooseTarget, type Database, type SecretBox } from '../../db/index.ts';
import { createHeimdallPubSub, type HeimdallPubSub } from '../../schema/pubsub.ts';
import { ConfigEvents } from '../config-events.ts';
import { createEventTarget } from '../events/event-target.ts';
import {
  adminCredentials,
  createAuthenticator,
  ensureAdminUser,
  type Authenticator,
  type AuthSettings,
} from './auth.ts';
import { createGraphqlServer, type GovernanceSources, type GraphqlServer } from './server.ts';
import type { Logger } from '../logger.ts';

export interface ControlPlaneOptions {
  database: Database;
  box: SecretBox;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** `governance.auth_config` from the config file. */
  auth?: AuthSettings | undefined;
  /** Where the database lives (to LISTEN on the same Postgres). */
  store?: StoreConfig | undefined;
  dataDir?: string;
}

export interface ControlPlane {
  pubsub: HeimdallPubSub;
  /** `configChanged` for createInProcessControlPlane. */
  events: ConfigEvents;
  graphql: GraphqlServer;
  /** Admin sessions and API tokens (also checked on inference: api/inference-auth.ts). */
  auth: Authenticator;
  /** Serves graphql-ws on the HTTP server's upgrades; browsers only from `allowedOrigins` or same-origin. */
  attach(server: Server, allowedOrigins?: () => readonly string[]): void;
  /** Lets `gatewaySnapshot` serve what the in-process gateway gets, and budgets show live counters. */
  connect(sources: GovernanceSources): void;
  close(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { database, box, logger, env } = options;
  const target = chooseTarget(
    { url: env.DATABASE_URL, store: options.store, env },
    resolve(options.dataDir ?? 'data'),
  );
  const eventTarget = await createEventTarget({
    redisUrl: env.REDIS_URL,
    postgresUrl: target.dialect === 'postgres' ? target.url : undefined,
    logger,
  });
  const pubsub = createHeimdallPubSub({ eventTarget });
  const auth = createAuthenticator({ database, env, settings: options.auth });
  if (auth.enabled) {
    const credentials = adminCredentials(options.auth, env);
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
  } else {
    logger.warn(
      'control-plane auth is disabled: /graphql accepts every caller (set governance.auth_config.is_enabled)',
    );
  }
  const graphql = createGraphqlServer({ database, box, pubsub, auth, logger, env });
  return {
    pubsub,
    events: new ConfigEvents(pubsub),
    graphql,
    auth,
    attach: (server, allowedOrigins) => void graphql.attach(server, allowedOrigins),
    connect: (sources) => graphql.connect(sources),
    async close() {
      await graphql.close();
      await eventTarget?.close();
    },
  };
}
