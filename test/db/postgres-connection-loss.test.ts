/**
 * A Postgres connection lost while checked out of the pool (a transaction between statements
 * when the server restarts or fails over) must fail that transaction, not the process: node-pg
 * emits 'error' on the client, and the pool listens only to idle ones. Found by
 * test/cluster/postgres-outage.test.ts, where every replica died when Postgres stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '../../db/connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase('heimdall_conn_loss');
  db = await openDatabase({ url: testDb.url });
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe('postgres connection lost mid-transaction', () => {
  it('rejects the transaction, leaves the process up and the pool usable', async () => {
    const admin = new pg.Client({ connectionString: testDb.url });
    await admin.connect();
    const outcome = expect(
      db.transaction(async (tx) => {
        const pid = await tx.run(async ({ orm }) => {
          const result = await orm.execute(sql`select pg_backend_pid() as pid`);
          return Number((result as unknown as { rows: Array<{ pid: number }> }).rows[0]!.pid);
        });
        // The server ends this backend while the transaction holds it between statements.
        await admin.query('select pg_terminate_backend($1)', [pid]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tx.run(({ orm }) => orm.execute(sql`select 1`));
      }),
    ).rejects.toThrow();
    await outcome;
    await admin.end();
    await expect(db.ping()).resolves.toBeUndefined();
  });
});
