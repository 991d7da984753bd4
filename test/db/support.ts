/** Helpers for the db contract suite: raw table dumps and a full reset between tests. */
import { getTableName, sql } from 'drizzle-orm';
import type { Database } from '../../db/connection.ts';
import type { Tables } from '../../db/connection/types.ts';

/** Children before parents, so plain DELETEs satisfy the foreign keys. */
const CLEAR_ORDER: Array<keyof Tables> = [
  'virtualKeyProviderConfigs',
  'virtualKeys',
  'teams',
  'customers',
  'modelConfigs',
  'providerGovernance',
  'routingRules',
  'providerKeys',
  'providers',
  'budgets',
  'rateLimits',
  'plugins',
  'requestLogs',
  'usageLedger',
  'priceEntries',
  'adminTokens',
  'adminUsers',
  'configMeta',
];

export function clearTables(db: Database): Promise<void> {
  return db.transaction((tx) =>
    tx.run(async ({ orm, t }) => {
      for (const name of CLEAR_ORDER) await orm.delete(t[name]);
    }),
  );
}

export function tableNames(db: Database): Promise<string[]> {
  return db.run(async ({ t }) => CLEAR_ORDER.map((name) => getTableName(t[name])).sort());
}

/** `SELECT *` of every table through the driver, rows sorted so dumps compare as text. */
export async function rawTables(db: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of await tableNames(db)) {
    const rows = await db.run(async ({ orm }) => {
      const query = sql.raw(`SELECT * FROM ${table}`);
      // Test-only dialect branch: the drivers expose raw queries differently.
      if (db.dialect === 'postgres') return (await orm.execute(query)).rows;
      return (orm as unknown as { all(q: typeof query): Promise<unknown[]> }).all(query);
    });
    out[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return out;
}

/** Lets a `Date.now()`-based timestamp move on, so "unchanged" really means unchanged. */
export const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
