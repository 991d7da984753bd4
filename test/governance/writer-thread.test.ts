/**
 * The SQLite writer thread receives request logs and ledger entries packed flat and binds them
 * straight to its prepared INSERTs: every field must land as the direct (main-thread) writer
 * stores it, replays must change nothing, and budget counters must move by new entries only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogRow } from '../../clients/contract/governance.ts';
import { coalesceRateDeltas, openWriter, WorkerWriter } from '../../api/counters/sqlite-writer.ts';
import { DirectWriter, type Writer } from '../../api/counters/writes.ts';
import { createLogger } from '../../api/logger.ts';
import { openDatabase, type Database } from '../../db/connection.ts';
import { createBudget, getBudget } from '../../db/repositories/budgets.ts';
import { createRateLimit, getRateLimit } from '../../db/repositories/rate-limits.ts';
import { listLedgerEntries } from '../../db/repositories/ledger.ts';
import { getRequestLog } from '../../db/repositories/request-logs.ts';

const dirs: string[] = [];
const databases: Database[] = [];
const writers: Writer[] = [];

async function sqlite(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-writer-'));
  dirs.push(dir);
  const db = await openDatabase({
    store: { enabled: true, type: 'sqlite', config: { path: join(dir, 'config.db') } },
    dataDir: dir,
  });
  databases.push(db);
  return db;
}

const row = (id: string, over: Partial<RequestLogRow> = {}): RequestLogRow => ({
  id,
  clientRequestId: 'caller "7"',
  createdAt: 1_790_000_000_000,
  completedAt: 1_790_000_000_250,
  provider: 'openai',
  model: 'gpt-4o-mini',
  endpoint: '/v1/chat/completions',
  stream: true,
  status: 'error',
  statusCode: 502,
  latencyMs: 250,
  ttftMs: 40,
  inputTokens: 1_200,
  outputTokens: 345,
  cachedTokens: 64,
  costMicros: 12_345_678_901,
  unpriced: false,
  usageEstimated: true,
  priceBookVersion: 'bundled-2026-11',
  virtualKeyId: 'vk-1',
  teamId: null,
  customerId: 'cust-1',
  providerKeyName: 'primary',
  retries: 2,
  fallbackIndex: 1,
  routingRuleId: null,
  error: 'upstream_error: "quoted" text',
  ...over,
});

let worker: Writer;
let workerDb: Database;
let direct: Writer;
let directDb: Database;

beforeAll(async () => {
  workerDb = await sqlite();
  directDb = await sqlite();
  worker = await openWriter(workerDb, createLogger('error'));
  direct = new DirectWriter(directDb);
  writers.push(worker);
  for (const db of [workerDb, directDb])
    await createBudget(db, { id: 'b1', maxLimitMicros: 1_000_000, resetDuration: '1d' });
});

afterAll(async () => {
  for (const writer of writers) await writer.close();
  for (const db of databases) await db.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite writer thread (packed rows)', () => {
  it('runs on a worker thread', () => {
    expect(worker).toBeInstanceOf(WorkerWriter);
  });

  it('stores every request-log field as the direct writer does, booleans and nulls included', async () => {
    const rows = [
      // Every field distinct from every other, so a field packed into another's column shows.
      row('r-1', { teamId: 'team-1', routingRuleId: 'rule-1' }),
      row('r-2', { stream: false, unpriced: true, costMicros: null, ttftMs: null, error: null }),
    ];
    await worker.write([{ op: 'logs', rows }]);
    await direct.write([{ op: 'logs', rows }]);
    for (const sent of rows) {
      const viaWorker = await getRequestLog(workerDb, sent.id);
      expect(viaWorker).toBeDefined();
      expect(viaWorker).toEqual(await getRequestLog(directDb, sent.id));
      // Both writers pack with the same function: the row as sent is the reference.
      expect(viaWorker).toMatchObject(sent);
    }
    const second = await getRequestLog(workerDb, 'r-2');
    expect(second).toMatchObject({
      stream: false,
      unpriced: true,
      costMicros: null,
      ttftMs: null,
      error: null,
    });
    expect(await getRequestLog(workerDb, 'r-1')).toMatchObject({ stream: true, costMicros: 12_345_678_901 });
  });

  it('moves budget counters by new ledger entries only; a replayed batch changes nothing', async () => {
    const entries = [
      {
        requestId: 'q-1',
        attempt: 0,
        kind: 'reserve' as const,
        budgetId: 'b1',
        amountMicros: 500,
        createdAt: 1,
      },
      {
        requestId: 'q-1',
        attempt: 0,
        kind: 'settle' as const,
        budgetId: 'b1',
        amountMicros: 120,
        createdAt: 2,
      },
      {
        requestId: 'q-1',
        attempt: 0,
        kind: 'release' as const,
        budgetId: 'b1',
        amountMicros: 500,
        createdAt: 3,
      },
      {
        requestId: 'q-2',
        attempt: 1,
        kind: 'settle' as const,
        budgetId: 'b1',
        amountMicros: 80,
        priceBookVersion: 'v',
        createdAt: 4,
      },
    ];
    for (let i = 0; i < 2; i++) await worker.write([{ op: 'ledger', entries }]);
    const budget = await getBudget(workerDb, 'b1');
    expect(budget).toMatchObject({ currentUsageMicros: 200, reservedMicros: 0 });
    const stored = await listLedgerEntries(workerDb, { budgetId: 'b1' });
    expect(stored).toHaveLength(4);
    expect(stored.find((e) => e.requestId === 'q-2')).toMatchObject({
      attempt: 1,
      priceBookVersion: 'v',
      amountMicros: 80,
    });
  });

  it('writes batches larger than one INSERT, moving counters by new entries only', async () => {
    // 45 rows go in as one 32-row INSERT, one 8-row and five single rows; a replayed row in the
    // middle of each multi-row statement and a duplicate within the batch must be skipped.
    for (const [writer, db] of [
      [worker, workerDb],
      [direct, directDb],
    ] as const) {
      await createBudget(db, { id: 'b2', maxLimitMicros: 1_000_000_000, resetDuration: '1d' });
      const entry = (n: number, amountMicros = n) => ({
        requestId: `m-${n}`,
        attempt: 0,
        kind: 'settle' as const,
        budgetId: 'b2',
        amountMicros,
        createdAt: n,
      });
      await writer.write([{ op: 'ledger', entries: [entry(10, 7), entry(36, 9)] }]);
      await writer.write([{ op: 'logs', rows: [row('m-10', { model: 'first' })] }]);
      const batch = Array.from({ length: 44 }, (_, i) => entry(i + 1, 1_000 * (i + 1)));
      batch.push(entry(20, 1));
      await writer.write([
        { op: 'ledger', entries: batch },
        { op: 'logs', rows: batch.map((e, i) => row(e.requestId, { stream: i % 2 === 0 })) },
      ]);
      const expected =
        7 +
        9 +
        batch
          .slice(0, 44)
          .reduce(
            (sum, e) => sum + (e.requestId === 'm-10' || e.requestId === 'm-36' ? 0 : e.amountMicros),
            0,
          );
      expect(await getBudget(db, 'b2')).toMatchObject({ currentUsageMicros: expected, reservedMicros: 0 });
      expect(await listLedgerEntries(db, { budgetId: 'b2' })).toHaveLength(44);
      expect(await getRequestLog(db, 'm-10')).toMatchObject({ model: 'first' });
      expect(await getRequestLog(db, 'm-44')).toMatchObject({ stream: false, model: 'gpt-4o-mini' });
      expect(await getRequestLog(db, 'm-41')).toMatchObject({ stream: true });
      // Replayed whole, the batch changes nothing.
      await writer.write([{ op: 'ledger', entries: batch }]);
      expect(await getBudget(db, 'b2')).toMatchObject({ currentUsageMicros: expected });
    }
    for (let n = 1; n <= 44; n++)
      expect(await getRequestLog(workerDb, `m-${n}`)).toEqual(await getRequestLog(directDb, `m-${n}`));
  });

  it('adds rate deltas to the right dimension', async () => {
    await createRateLimit(workerDb, {
      id: 'rl3',
      requestMaxLimit: 1_000,
      requestResetDuration: '1h',
      tokenMaxLimit: 100_000,
      tokenResetDuration: '1h',
    });
    await worker.write([
      { op: 'rate', id: 'rl3', dim: 'requests', delta: 3 },
      { op: 'rate', id: 'rl3', dim: 'tokens', delta: 250 },
      { op: 'rate', id: 'missing', dim: 'tokens', delta: 1 },
    ]);
    expect(await getRateLimit(workerDb, 'rl3')).toMatchObject({
      requestCurrentUsage: 3,
      tokenCurrentUsage: 250,
    });
  });

  it('applies a batch all or nothing, so the sender can resend a failed one whole', async () => {
    await createRateLimit(workerDb, { id: 'rl1', requestMaxLimit: 1_000, requestResetDuration: '1h' });
    // The second op fails (a request-log row without its id): the rate delta before it must not
    // stay applied, or the resend would count it twice (rate deltas are not idempotent).
    const failing = worker.write([
      { op: 'rate', id: 'rl1', dim: 'requests', delta: 5 },
      { op: 'logs', rows: [row(null as unknown as string)] },
    ]);
    await expect(failing).rejects.toThrow();
    expect(await getRateLimit(workerDb, 'rl1')).toMatchObject({ requestCurrentUsage: 0 });
    await worker.write([{ op: 'rate', id: 'rl1', dim: 'requests', delta: 5 }]);
    expect(await getRateLimit(workerDb, 'rl1')).toMatchObject({ requestCurrentUsage: 5 });
  });

  it('sums the rate deltas of a run per limit and dimension, never across a window roll-over', async () => {
    const rate = (id: string, dim: 'requests' | 'tokens', delta: number) =>
      ({ op: 'rate', id, dim, delta }) as const;
    const ops = [
      rate('a', 'requests', 1),
      rate('a', 'tokens', 50),
      rate('a', 'requests', 1),
      rate('b', 'requests', 1),
      rate('a', 'tokens', 30),
      { op: 'roll-rate', id: 'a', dim: 'requests', start: 1_000 } as const,
      rate('a', 'requests', 1),
      rate('a', 'requests', 1),
    ];
    expect(coalesceRateDeltas(ops)).toEqual([
      rate('a', 'requests', 2),
      rate('a', 'tokens', 80),
      rate('b', 'requests', 1),
      { op: 'roll-rate', id: 'a', dim: 'requests', start: 1_000 },
      rate('a', 'requests', 2),
    ]);
    // The caller's ops are not modified (memory-store resends them after a failure).
    expect(ops[0]).toEqual(rate('a', 'requests', 1));
    await createRateLimit(workerDb, { id: 'rl2', requestMaxLimit: 1_000, requestResetDuration: '1h' });
    await worker.write(Array.from({ length: 40 }, () => rate('rl2', 'requests', 1)));
    expect(await getRateLimit(workerDb, 'rl2')).toMatchObject({ requestCurrentUsage: 40 });
  });
});
