/**
 * Heimdall for governance tests, built by the product's composition root (buildHeimdall) with the
 * clock and the counter store injectable: a config object, SQLite in a temp dir or a Postgres
 * URL, served on 127.0.0.1 port 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHeimdall } from '../../../api/build-heimdall.ts';
import type { GovernanceService } from '../../../api/counters/service.ts';
import { startHeimdall, type RunningHeimdall } from '../../../api/start.ts';
import type { Logger } from '../../../api/logger.ts';
import { validateConfig } from '../../../db/config/load.ts';
import type { Database } from '../../../db/connection.ts';
import { listLedgerEntries, listRequestLogs } from '../../../db/index.ts';
import type { Gateway, GovernanceOptions } from '../../../gateway/create-gateway.ts';

export const QUIET: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: (msg: string, fields?: object) => console.error(msg, fields),
  debug: () => undefined,
} as unknown as Logger;

/**
 * The real `startHeimdall` (a split-mode control plane for the gateways under test) on
 * `dir/config.json` with its data in `dir/data`; `port` to come back on the same port after a stop.
 */
export function startHeimdallIn(
  dir: string,
  options: { key: string; logger: Logger; port?: number; env?: NodeJS.ProcessEnv },
): Promise<RunningHeimdall> {
  return startHeimdall({
    logger: options.logger,
    port: options.port ?? 0,
    host: '127.0.0.1',
    cwd: dir,
    env: {
      HEIMDALL_CONFIG: join(dir, 'config.json'),
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_ENCRYPTION_KEY: options.key,
      ...options.env,
    },
  });
}

export interface StackOptions {
  /** Postgres URL; SQLite in a temp dir when absent. */
  databaseUrl?: string;
  store?: 'memory' | 'database' | 'redis';
  redisUrl?: string;
  now?: () => number;
  governance?: GovernanceOptions;
  /** Skip reconciling (a second instance on a shared database). */
  reconcile?: boolean;
  /** How often the governance service expires silent leases. */
  leaseSweepMs?: number;
}

export interface Stack {
  url: string;
  database: Database;
  service: GovernanceService;
  gateway: Gateway;
  /** Flushes the gateway's queues and the store's write-behind. */
  settle(): Promise<void>;
  /** Publishes configChanged and waits until the gateway serves the new snapshot. */
  reloadConfig(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(config: unknown, options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-gov-'));
  const heimdall = await buildHeimdall({
    logger: QUIET,
    env: {
      HEIMDALL_ENCRYPTION_KEY: 'governance-test-key-0123456789abcdef',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    },
    cwd: dir,
    dataDir: dir,
    config: validateConfig(config, { env: process.env }),
    ...(options.reconcile === false ? { reconcile: false } : {}),
    counters: {
      ...(options.store ? { store: options.store } : {}),
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.leaseSweepMs ? { leaseSweepMs: options.leaseSweepMs } : {}),
    },
    // The gateway's own defaults (usage batched every 500 ms), plus the test clock.
    gatewayGovernance: { ...(options.now ? { now: options.now } : {}), ...options.governance },
  });
  const { url } = await heimdall.listen({ port: 0, host: '127.0.0.1' });
  const { database, governance: service, gateway, controlPlane } = heimdall;
  return {
    url,
    database,
    service,
    gateway,
    async reloadConfig() {
      const before = gateway.snapshotVersion();
      controlPlane.events.publish({ version: before + 1, changed: ['PriceEntry'] });
      for (let i = 0; i < 50; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (gateway.snapshotVersion() !== before || i > 10) break;
      }
    },
    async settle() {
      await gateway.flush();
      await service.flush();
    },
    async close() {
      // Connections still open (a stream a test left hanging) are cut at once.
      await heimdall.stop({ cutAfterMs: 0 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // a stream or plain text
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export function errorType(reply: Reply): string | undefined {
  return (reply.body.error as { type?: string } | undefined)?.type;
}

export interface Charge {
  reply: Reply;
  /** The budget's newest settle entry: this request's, as requests here run one at a time. */
  settled: number;
  /** The newest request log's cost. */
  logged: number | null | undefined;
}

/**
 * Sends one chat request under a virtual key and, once usage is settled, reads back what it was
 * charged on `budgetId` and what its request log says it cost.
 */
export async function chargeOf(
  stack: Stack,
  body: unknown,
  virtualKey: string,
  budgetId: string,
): Promise<Charge> {
  const reply = await post(stack.url, body, { 'x-bf-vk': virtualKey });
  if (reply.status !== 200) throw new Error(`expected 200, got ${reply.status}: ${reply.text}`);
  await stack.settle();
  const settles = (await listLedgerEntries(stack.database, { budgetId })).filter((e) => e.kind === 'settle');
  const [log] = await listRequestLogs(stack.database, { limit: 1 });
  return { reply, settled: settles.at(-1)?.amountMicros ?? 0, logged: log?.costMicros };
}
