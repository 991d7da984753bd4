/**
 * The main-thread writer (Postgres) applies a batch all or nothing, like the SQLite writer thread:
 * the memory store resends a failed batch whole, and a rate delta left applied by the failed try
 * would then be counted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogRow } from '../../clients/contract/governance.ts';
import { DirectWriter } from '../../api/counters/writes.ts';
import { openDatabase, type Database } from '../../db/connection.ts';
import { createRateLimit, getRateLimit } from '../../db/repositories/rate-limits.ts';
import { getRequestLog } from '../../db/repositories/request-logs.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { requestLogRow } from '../support/request-log-row.ts';

describe('DirectWriter on Postgres', () => {
  let testDb: TestDatabase;
  let db: Database;
  let writer: DirectWriter;
  beforeAll(async () => {
    testDb = await createTestDatabase('heimdall_direct_writer');
    db = await openDatabase({ url: testDb.url });
    writer = new DirectWriter(db);
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('applies a batch all or nothing, so the sender can resend a failed one whole', async () => {
    await createRateLimit(db, { id: 'rl1', requestMaxLimit: 1_000, requestResetDuration: '1h' });
    // The second op fails (a request-log row without its id): the rate delta before it must not
    // stay applied, or the resend would count it twice.
    const failing = writer.write([
      { op: 'rate', id: 'rl1', dim: 'requests', delta: 5 },
      { op: 'logs', rows: [requestLogRow(null as unknown as string)] },
    ]);
    await expect(failing).rejects.toThrow();
    expect(await getRateLimit(db, 'rl1')).toMatchObject({ requestCurrentUsage: 0 });
    await writer.write([
      { op: 'rate', id: 'rl1', dim: 'requests', delta: 5 },
      { op: 'logs', rows: [requestLogRow('direct-writer-log-1') satisfies RequestLogRow] },
    ]);
    expect(await getRateLimit(db, 'rl1')).toMatchObject({ requestCurrentUsage: 5 });
    expect(await getRequestLog(db, 'direct-writer-log-1')).toMatchObject({ id: 'direct-writer-log-1' });
  });
});
