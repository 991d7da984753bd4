/**
 * config_meta: the config version counter and other small key/value bookkeeping (file
 * fingerprints, client and auth settings). Values are text; callers parse what they store.
 */
import { asc, eq, like, sql } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';

export const CONFIG_VERSION_KEY = 'config_version';

export function getMeta(db: Database, key: string): Promise<string | undefined> {
  return db.run(
    async ({ orm, t }) => (await orm.select().from(t.configMeta).where(eq(t.configMeta.key, key)))[0]?.value,
  );
}

/** Entries whose key starts with `prefix`, as a map. */
export function listMeta(db: Database, prefix: string): Promise<Map<string, string>> {
  return db.run(async ({ orm, t }) => {
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await orm
      .select()
      .from(t.configMeta)
      .where(like(t.configMeta.key, sql`${pattern} ESCAPE '\\'`))
      .orderBy(asc(t.configMeta.key));
    return new Map(rows.map((row) => [row.key, row.value]));
  });
}

export function setMeta(db: Database, key: string, value: string): Promise<void> {
  return db.run(async ({ orm, t }) => {
    await orm
      .insert(t.configMeta)
      .values({ key, value })
      .onConflictDoUpdate({ target: t.configMeta.key, set: { value, updatedAt: Date.now() } });
  });
}

export function deleteMeta(db: Database, key: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.configMeta)
      .where(eq(t.configMeta.key, key))
      .returning({ key: t.configMeta.key });
    return rows.length > 0;
  });
}

/** The monotonic config version; 0 before anything was ever configured. */
export async function getConfigVersion(db: Database): Promise<number> {
  return Number((await getMeta(db, CONFIG_VERSION_KEY)) ?? 0);
}

/**
 * Increments the version in one statement, so concurrent control-plane replicas never hand out
 * the same number twice (the upsert locks the row on Postgres; SQLite has a single writer).
 * Callers bump inside the transaction that made the change.
 */
export function bumpConfigVersion(db: Database): Promise<number> {
  return db.run(async ({ orm, t }) => {
    const [row] = await orm
      .insert(t.configMeta)
      .values({ key: CONFIG_VERSION_KEY, value: '1' })
      .onConflictDoUpdate({
        target: t.configMeta.key,
        set: { value: sql`CAST(CAST(${t.configMeta.value} AS BIGINT) + 1 AS TEXT)`, updatedAt: Date.now() },
      })
      .returning({ value: t.configMeta.value });
    return Number(row?.value);
  });
}
