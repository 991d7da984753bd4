/**
 * Heimdall's composition for governance tests, as api/start.ts wires it but with the clock and
 * the counter store injectable: database (SQLite file or a Postgres URL) → migrate → reconcile a
 * config object → GovernanceService → in-process control plane → gateway → node:http on port 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GovernanceService } from '../../../api/counters/service.ts';
import { startHeimdall, type RunningHeimdall } from '../../../api/start.ts';
import { createInProcessControlPlane } from '../../../api/in-process-control-plane.ts';
import type { Logger } from '../../../api/logger.ts';
import { validateConfig } from '../../../db/config/load.ts';
import { openDatabase, type Database } from '../../../db/connection.ts';
import { listLedgerEntries, listRequestLogs } from '../../../db/index.ts';
import { resolveSecretBox } from '../../../db/crypto.ts';
import { migrateDatabase } from '../../../db/migrate.ts';
import { reconcileConfig } from '../../../db/reconcile.ts';
import { createGateway, type Gateway, type GovernanceOptions } from '../../../gateway/create-gateway.ts';

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
  const loaded = validateConfig(config, { env: process.env });
  const database = await openDatabase({ url: options.databaseUrl, dataDir: dir });
  const box = resolveSecretBox({
    dialect: database.dialect,
    env: { HEIMDALL_ENCRYPTION_KEY: 'governance-test-key-0123456789abcdef' },
    configKey: undefined,
    dataDir: dir,
    warn: () => undefined,
  });
  await migrateDatabase(database);
  if (options.reconcile !== false) await reconcileConfig(database, loaded.config, box);
  const service = await GovernanceService.open({
    database,
    logger: QUIET,
    ...(options.store ? { store: options.store } : {}),
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.leaseSweepMs ? { leaseSweepMs: options.leaseSweepMs } : {}),
  });
  const controlPlane = createInProcessControlPlane({ database, box, governance: service });
  const gateway = await createGateway({
    controlPlane,
    governance: { ...(options.now ? { now: options.now } : {}), ...options.governance },
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (!gateway.handle(req, res)) res.writeHead(404).end();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await controlPlane.close();
      await service.close();
      await database.close();
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
