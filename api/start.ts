/**
 * Start-up, the one orchestrator of the "Start" flow (ARCHITECTURE.md, data flow 1):
 * load config → validate → open + migrate DB → reconcile file into DB → build the gateway's
 * snapshot through the control-plane client → listen. Validation happens before the database
 * is opened, so a bad file writes nothing.
 */
import { resolve } from 'node:path';
import { findConfigFile, loadConfigFile, validateConfig, type LoadedConfig } from '../db/config/load.ts';
import { openDatabase } from '../db/connection.ts';
import { resolveSecretBox } from '../db/crypto.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { reconcileConfig } from '../db/reconcile.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { publishBudgetUpdated, publishRateLimitUpdated, publishRequestLogs } from '../schema/pubsub.ts';
import { startControlPlane } from './graphql/runtime.ts';
import { checkRoutingRules } from './rule-check.ts';
import { drainHttpServer, ShutdownState } from './drain.ts';
import { GovernanceService } from './counters/service.ts';
import { createHttpServer, listen } from './http-server.ts';
import { createInProcessControlPlane } from './in-process-control-plane.ts';
import { createAdminCredentialCheck, inferenceAuthRequired, warnIfInferenceOpen } from './inference-auth.ts';
import type { Logger } from './logger.ts';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger: Logger;
  /** Overrides PORT; 0 picks a free port (tests). */
  port?: number;
  host?: string;
}

export interface StopOptions {
  /**
   * How long to keep accepting (and serving) new requests with readiness already off, before the
   * listener closes (api/drain.ts). @default 0
   */
  delayMs?: number;
  /** After the delay, how long requests in flight may run before they are cut. @default never */
  cutAfterMs?: number;
}

export interface RunningHeimdall {
  url: string;
  port: number;
  /** Drains (delay, then in-flight requests), flushes usage and request logs, closes. */
  stop(options?: StopOptions): Promise<void>;
}

function loadConfig(env: NodeJS.ProcessEnv, cwd: string, logger: Logger): LoadedConfig {
  const file = findConfigFile(env, cwd);
  if (!file) {
    logger.warn(
      'no config file found (HEIMDALL_CONFIG, ./config.json, ./config.yaml); starting with an empty config',
    );
    return validateConfig({}, { env, source: 'empty config' });
  }
  const loaded = loadConfigFile(file, env);
  for (const warning of loaded.warnings) logger.warn(`config: ${warning}`, { file });
  return loaded;
}

export async function startHeimdall(options: StartOptions): Promise<RunningHeimdall> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { logger } = options;
  const { config, source } = loadConfig(env, cwd, logger);
  checkRoutingRules(config, source);

  const dataDir = resolve(cwd, env.HEIMDALL_DATA_DIR ?? 'data');
  const database = await openDatabase({
    url: env.DATABASE_URL,
    store: config.config_store,
    dataDir,
    warn: (message) => logger.warn(message),
  });
  // Set once the control plane runs: its event channel holds a connection open.
  let closeRuntime: (() => Promise<void>) | undefined;
  try {
    const box = resolveSecretBox({
      dialect: database.dialect,
      env,
      configKey: config.encryption_key,
      dataDir,
      warn: (message: string) => logger.warn(message),
    });
    await migrateDatabase(database);
    const result = await reconcileConfig(database, config, box);
    logger.info('config reconciled', {
      source,
      created: result.created.length,
      updated: result.updated.length,
      unchanged: result.unchanged.length,
    });

    const runtime = await startControlPlane({
      database,
      box,
      logger,
      env,
      auth: config.governance.auth_config,
      store: config.config_store,
      dataDir,
    });
    closeRuntime = () => runtime.close();
    const governance = await GovernanceService.open({
      database,
      logger,
      redisUrl: env.REDIS_URL,
      onBudgetsChanged: (ids) => ids.forEach((id) => publishBudgetUpdated(runtime.pubsub, id)),
      onRateLimitsChanged: (ids) => ids.forEach((id) => publishRateLimitUpdated(runtime.pubsub, id)),
      onRequestLogs: (rows) => publishRequestLogs(runtime.pubsub, rows),
    });
    const authConfig = config.governance.auth_config;
    const controlPlane = createInProcessControlPlane({
      database,
      box,
      events: runtime.events,
      governance,
      inferenceAuthRequired: inferenceAuthRequired(authConfig),
    });
    runtime.connect({
      snapshot: () => controlPlane.getSnapshot(),
      // Remote gateways (HEIMDALL_CONTROL_PLANE_URL) lease and report through GraphQL.
      governance,
      // In-memory (SQLite) and Redis counters run ahead of the database rows.
      ...(governance.store.name === 'database'
        ? {}
        : {
            budgetCounters: (id) => governance.store.budgetCounters(id),
            rateLimitCounters: (id) => governance.store.rateCounters(id),
          }),
    });
    // Usage batches every 100 ms (not the gateway's 500 ms default) so a budgetUpdated subscriber
    // hears of a settled request well within 500 ms; an empty queue sends nothing.
    const gateway = await createGateway({
      controlPlane,
      logger,
      governance: { usageFlushMs: 100 },
      adminCredentials: createAdminCredentialCheck({ auth: runtime.auth, settings: authConfig, env, logger }),
    });
    const shutdown = new ShutdownState();
    const server = createHttpServer({
      gateway,
      pingDatabase: () => database.ping(),
      graphql: runtime.graphql.handle,
      shutdown,
    });
    runtime.attach(server, () => gateway.allowedOrigins());
    const bound = await listen(server, options, env);
    warnIfInferenceOpen(server, gateway, logger);
    logger.info('heimdall listening', {
      port: bound,
      dialect: database.dialect,
      config_version: gateway.snapshotVersion(),
    });

    return {
      url: `http://127.0.0.1:${bound}`,
      port: bound,
      async stop(stopOptions: StopOptions = {}) {
        // Remote gateways stay connected during the delay; their sessions end before the listener closes.
        await drainHttpServer(server, shutdown, {
          delayMs: stopOptions.delayMs ?? 0,
          ...(stopOptions.cutAfterMs === undefined ? {} : { cutAfterMs: stopOptions.cutAfterMs }),
          logger,
          beforeClose: () => runtime.close(),
        });
        // Usage and request logs first: closing the upstream pools may wait for aborted streams.
        await gateway.flush();
        await gateway.close();
        await controlPlane.close();
        await governance.close();
        await database.close();
      },
    };
  } catch (error) {
    await closeRuntime?.().catch(() => undefined);
    await database.close();
    throw error;
  }
}
