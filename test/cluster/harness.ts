/**
 * A Heimdall cluster of real processes on loopback, for fault tests: its own Postgres and Redis
 * (services.ts), a mock provider whose usage each request dictates (usage-mock.ts), and N
 * Heimdall processes started as users start them (`tsx api/main.ts`) with the variables the Helm
 * chart sets: DATABASE_URL, REDIS_URL, HEIMDALL_CONFIG, HEIMDALL_ENCRYPTION_KEY,
 * HEIMDALL_LEASE_TTL_SECONDS, and HEIMDALL_CONTROL_PLANE_URL for gateway-only replicas (split
 * mode). Replicas can be SIGKILLed, SIGTERMed and added while load runs; reconcile.ts checks the
 * money from SQL afterwards.
 *
 *   const cluster = await startCluster({ config, replicas: 3 });
 *   await cluster.replicas[1]!.kill();           // SIGKILL
 *   const report = await reconcile(cluster);     // ledger = counters = logs
 *   await cluster.stop();
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, spawnHeimdall } from '../support/heimdall-process.ts';
import { startUsageMock, type UsageMock } from '../governance/support/usage-mock.ts';
import { sqlPool, startOwnPostgres, startOwnRedis, type OwnPostgres, type OwnRedis } from './services.ts';

export type Role = 'all-in-one' | 'control-plane' | 'gateway';

export interface Replica {
  name: string;
  role: Role;
  url: string;
  port: number;
  /** The current process's id (a restart changes it). */
  readonly pid: number;
  /** SIGKILL: no drain, no flush — what a crash or an OOM kill does. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  terminate(): Promise<number | null>;
  /** Starts a stopped replica again: same port, environment and data dir; resolves once healthy. */
  restart(): Promise<void>;
  alive(): boolean;
  output(): string;
}

export interface ClusterOptions {
  /** A config document (Bifrost-shaped); `mockUrl` fills in the providers' base URL. */
  config: (mockUrl: string) => Record<string, unknown>;
  /** All-in-one replicas to start (each: control plane + gateway, Postgres + Redis). @default 2 */
  replicas?: number;
  /** Counters in Redis (REDIS_URL) or in Postgres only. @default true */
  redis?: boolean;
  /** HEIMDALL_LEASE_TTL_SECONDS. @default 30 (the minimum) */
  leaseTtlSeconds?: number;
  /** Extra environment for every replica. */
  env?: NodeJS.ProcessEnv;
}

export interface Cluster {
  postgres: OwnPostgres;
  redis: OwnRedis | undefined;
  mock: UsageMock;
  replicas: Replica[];
  /**
   * Starts one more process: all-in-one (default), a control plane, or a gateway of
   * `controlPlane` (a replica, or anything with its URL, e.g. a relay in front of it).
   */
  addReplica(role?: Role, controlPlane?: Pick<Replica, 'url'>): Promise<Replica>;
  /** Runs a query on the cluster's Postgres. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Redis counters of a budget ({used, reserved, ws}), as the store keeps them. */
  redisBudget(id: string): Promise<{ used: number; reserved: number } | undefined>;
  stop(): Promise<void>;
}

export const ENCRYPTION_KEY = 'cluster-test-encryption-key-0123456789';

async function waitHealthy(
  url: string,
  child: { exitCode: number | null },
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`replica at ${url} not healthy in 60 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-cluster-'));
  const postgres = await startOwnPostgres();
  const redis = options.redis === false ? undefined : await startOwnRedis();
  const mock = await startUsageMock();
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(options.config(mock.url)));
  const sql = sqlPool(postgres.url);
  const replicas: Replica[] = [];
  let counter = 0;

  async function addReplica(
    role: Role = 'all-in-one',
    controlPlane?: Pick<Replica, 'url'>,
  ): Promise<Replica> {
    const port = await freePort();
    const name = `${role}-${++counter}`;
    const env: NodeJS.ProcessEnv = {
      PORT: String(port),
      LOG_LEVEL: 'warn',
      HEIMDALL_ENCRYPTION_KEY: ENCRYPTION_KEY,
      HEIMDALL_LEASE_TTL_SECONDS: String(options.leaseTtlSeconds ?? 30),
      HEIMDALL_DATA_DIR: join(dir, name),
      ...options.env,
    };
    if (role === 'gateway') {
      if (!controlPlane) throw new Error('a gateway replica needs its control plane');
      env.HEIMDALL_CONTROL_PLANE_URL = controlPlane.url;
    } else {
      env.DATABASE_URL = postgres.url;
      env.HEIMDALL_CONFIG = configPath;
      if (redis) env.REDIS_URL = redis.url;
    }
    const url = `http://127.0.0.1:${port}`;
    const launch = async () => {
      const started = spawnHeimdall(env);
      try {
        await waitHealthy(url, started.child, started.output);
      } catch (error) {
        started.child.kill('SIGKILL');
        throw error;
      }
      return started;
    };
    let { child, output } = await launch();
    const gone = () => child.exitCode !== null || child.signalCode !== null;
    const replica: Replica = {
      name,
      role,
      url,
      port,
      get pid() {
        return child.pid!;
      },
      alive: () => !gone(),
      output: () => output(),
      async kill() {
        if (gone()) return;
        child.kill('SIGKILL');
        await once(child, 'exit');
      },
      async terminate() {
        if (gone()) return child.exitCode;
        child.kill('SIGTERM');
        const [code] = (await once(child, 'exit')) as [number | null];
        return code;
      },
      async restart() {
        if (!gone()) throw new Error(`${name} is still running: kill or terminate it first`);
        ({ child, output } = await launch());
      },
    };
    replicas.push(replica);
    return replica;
  }

  // The first replica migrates and seeds the database; the others then start side by side.
  const count = options.replicas ?? 2;
  if (count > 0) await addReplica();
  await Promise.all(Array.from({ length: count - 1 }, () => addReplica()));

  return {
    postgres,
    redis,
    mock,
    replicas,
    addReplica,
    async sql<T>(text: string, params: unknown[] = []) {
      return (await sql.query(text, params)).rows as T[];
    },
    async redisBudget(id: string) {
      if (!redis) return undefined;
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      client.on('error', () => undefined); // a refused connection surfaces from hmget below
      try {
        const [used, reserved, ws] = await client.hmget(
          `heimdall:meter:budget:${id}`,
          'used',
          'reserved',
          'ws',
        );
        return ws === null ? undefined : { used: Number(used), reserved: Number(reserved) };
      } finally {
        client.disconnect();
      }
    },
    async stop() {
      for (const replica of replicas) await replica.kill();
      await sql.end().catch(() => undefined);
      await mock.close();
      await redis?.stop();
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
