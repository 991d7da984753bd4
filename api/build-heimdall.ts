/**
 * The composition root: builds Heimdall (control plane and gateway in one process) in dependency
 * order, each part from the ones before it and nothing bound later — config → database (migrated
 * once, as it opens) → reconcile → event channel and admin auth → counter stores (governance
 * service) → in-process control plane → GraphQL server → gateway → HTTP server. Validation happens
 * before the database is opened, so a bad file writes nothing. `npm start` (api/main.ts) and the
 * tests' stacks build through here, so they run the wiring users run.
 */
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import {
  chooseTarget,
  openDatabase,
  reconcileConfig,
  resolveSecretBox,
  type Database,
  type LoadedConfig,
} from '../db/index.ts';
import { createGateway, type Gateway, type GovernanceOptions } from '../gateway/create-gateway.ts';
import {
  createHeimdallPubSub,
  type HeimdallPubSub,
  publishBudgetUpdated,
  publishRateLimitUpdated,
  publishRequestLogs,
} from '../schema/pubsub.ts';
import { ConfigEvents } from './config-events.ts';
import { GovernanceService, type GovernanceServiceOptions } from './counters/service.ts';
import { drainHttpServer, ShutdownState, type StopOptions } from './drain.ts';
import { createEventTarget } from './events/event-target.ts';
import { openAdminAuth } from './graphql/admin-auth.ts';
import { createGraphqlServer } from './graphql/server.ts';
import { createHttpServer, listen } from './http-server.ts';
import { createInProcessControlPlane } from './in-process-control-plane.ts';
import { createAdminCredentialCheck, inferenceAuthRequired, warnIfInferenceOpen } from './inference-auth.ts';
import { loadConfig } from './load-config.ts';
import type { Logger } from './logger.ts';

export interface HeimdallOptions {
  logger: Logger;
  /** DATABASE_URL, REDIS_URL, HEIMDALL_* settings. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where the config file and the data directory are looked for. @default process.cwd() */
  cwd?: string;
  /** An already validated config; read from HEIMDALL_CONFIG or ./config.{json,yaml} (api/load-config.ts) when absent. */
  config?: LoadedConfig;
  /** The SQLite file's and generated key's directory. @default HEIMDALL_DATA_DIR, else `<cwd>/data` */
  dataDir?: string;
  /** Write the config into the database. @default true (false: another instance already did) */
  reconcile?: boolean;
  /** Counter-store overrides for tests (store kind, clock, Redis URL, sweep period). */
  counters?: Pick<GovernanceServiceOptions, 'store' | 'redisUrl' | 'now' | 'leaseSweepMs'>;
  /**
   * The in-process gateway's governance options. @default usage batches every 100 ms (not the
   * gateway's 500 ms), so a budgetUpdated subscriber hears of a settled request well within
   * 500 ms; an empty queue sends nothing.
   */
  gatewayGovernance?: GovernanceOptions;
}

export interface Heimdall {
  database: Database;
  governance: GovernanceService;
  controlPlane: InProcessControlPlane;
  gateway: Gateway;
  /** The event bus GraphQL subscriptions are served from (tests wait on its subscriptions). */
  pubsub: HeimdallPubSub;
  server: Server;
  /** Listens on `port`/`host` (options, then PORT/HOST, then 8080 on every interface). */
  listen(at?: { port?: number; host?: string }): Promise<{ url: string; port: number }>;
  /** Drains (delay, then in-flight requests), flushes usage and request logs, closes everything. */
  stop(options?: StopOptions): Promise<void>;
}

type InProcessControlPlane = ReturnType<typeof createInProcessControlPlane>;

const DEFAULT_GATEWAY_GOVERNANCE: GovernanceOptions = { usageFlushMs: 100 };

export async function buildHeimdall(options: HeimdallOptions): Promise<Heimdall> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { logger } = options;
  const { config, source } = options.config ?? loadConfig(env, cwd, logger);
  const authConfig = config.governance.auth_config;
  const dataDir = options.dataDir ?? resolve(cwd, env.HEIMDALL_DATA_DIR ?? 'data');
  const where = { url: env.DATABASE_URL, store: config.config_store, env };
  const target = chooseTarget(where, dataDir);

  const database = await openDatabase({ ...where, dataDir, warn: (message) => logger.warn(message) });
  // What is open so far, closed in reverse when a later part fails to start.
  const opened: Array<() => Promise<void>> = [() => database.close()];
  try {
    const box = resolveSecretBox({
      dialect: database.dialect,
      env,
      configKey: config.encryption_key,
      dataDir,
      warn: (message: string) => logger.warn(message),
    });
    if (options.reconcile !== false) {
      const result = await reconcileConfig(database, config, box);
      logger.info('config reconciled', {
        source,
        created: result.created.length,
        updated: result.updated.length,
        unchanged: result.unchanged.length,
      });
    }

    const eventTarget = await createEventTarget({
      redisUrl: env.REDIS_URL,
      postgresUrl: target.dialect === 'postgres' ? target.url : undefined,
      logger,
    });
    opened.push(async () => eventTarget?.close());
    const pubsub = createHeimdallPubSub({ eventTarget });
    const auth = await openAdminAuth({ database, env, settings: authConfig, logger });

    const governance = await GovernanceService.open({
      database,
      logger,
      redisUrl: env.REDIS_URL,
      ...options.counters,
      onBudgetsChanged: (ids) => ids.forEach((id) => publishBudgetUpdated(pubsub, id)),
      onRateLimitsChanged: (ids) => ids.forEach((id) => publishRateLimitUpdated(pubsub, id)),
      onRequestLogs: (rows) => publishRequestLogs(pubsub, rows),
    });
    opened.push(() => governance.close());
    const controlPlane = createInProcessControlPlane({
      database,
      box,
      events: new ConfigEvents(pubsub),
      governance,
      inferenceAuthRequired: inferenceAuthRequired(authConfig),
    });
    opened.push(() => controlPlane.close());

    const graphql = createGraphqlServer({
      database,
      box,
      pubsub,
      auth,
      logger,
      env,
      sources: {
        snapshot: () => controlPlane.getSnapshot(),
        // Remote gateways (HEIMDALL_CONTROL_PLANE_URL) lease and report through GraphQL.
        governance,
        // In-memory (SQLite) and Redis counters run ahead of the database rows.
        ...(governance.store.name === 'database'
          ? {}
          : {
              budgetCounters: (id: string) => governance.store.budgetCounters(id),
              rateLimitCounters: (id: string) => governance.store.rateCounters(id),
            }),
      },
    });
    opened.push(() => graphql.close());

    const gateway = await createGateway({
      controlPlane,
      logger,
      governance: options.gatewayGovernance ?? DEFAULT_GATEWAY_GOVERNANCE,
      adminCredentials: createAdminCredentialCheck({ auth, settings: authConfig, env, logger }),
    });
    const shutdown = new ShutdownState();
    const server = createHttpServer({
      gateway,
      pingDatabase: () => database.ping(),
      graphql: graphql.handle,
      shutdown,
    });
    graphql.attach(server, () => gateway.allowedOrigins());

    return {
      database,
      governance,
      controlPlane,
      gateway,
      pubsub,
      server,
      async listen(at = {}) {
        const port = await listen(server, at, env);
        warnIfInferenceOpen(server, gateway, logger);
        logger.info('heimdall listening', {
          port,
          dialect: database.dialect,
          config_version: gateway.snapshotVersion(),
        });
        return { url: `http://127.0.0.1:${port}`, port };
      },
      async stop(stopOptions: StopOptions = {}) {
        // Remote gateways stay connected during the delay; their sessions end before the listener
        // closes (the GraphQL server and the event channel close there).
        if (server.listening)
          await drainHttpServer(server, shutdown, {
            delayMs: stopOptions.delayMs ?? 0,
            ...(stopOptions.cutAfterMs === undefined ? {} : { cutAfterMs: stopOptions.cutAfterMs }),
            logger,
            beforeClose: async () => {
              await graphql.close();
              await eventTarget?.close();
            },
          });
        else {
          await graphql.close();
          await eventTarget?.close();
        }
        // Usage and request logs first: closing the upstream pools may wait for aborted streams.
        await gateway.flush();
        await gateway.close();
        await controlPlane.close();
        await governance.close();
        await database.close();
      },
    };
  } catch (error) {
    for (const close of opened.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
