/** Rate limits: token and request caps per window, with their current counters. */
import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import { defined, single, within, type Insert, type Managed, type Row } from './rows.ts';

export type RateLimitRecord = Row<'rateLimits'>;
export type RateLimitInput = Omit<Insert<'rateLimits'>, Managed>;
export type RateLimitPatch = Partial<Omit<RateLimitInput, 'id'>>;

export function listRateLimits(
  db: Database,
  filter: { ids?: readonly string[] } = {},
): Promise<RateLimitRecord[]> {
  return db.run(({ orm, t }) =>
    orm.select().from(t.rateLimits).where(within(t.rateLimits.id, filter.ids)).orderBy(asc(t.rateLimits.id)),
  );
}

export function getRateLimit(db: Database, id: string): Promise<RateLimitRecord | undefined> {
  return db.run(
    async ({ orm, t }) => (await orm.select().from(t.rateLimits).where(eq(t.rateLimits.id, id)))[0],
  );
}

export function createRateLimit(db: Database, input: RateLimitInput): Promise<RateLimitRecord> {
  return db.run(async ({ orm, t }) =>
    single(await orm.insert(t.rateLimits).values(input).returning(), 'createRateLimit'),
  );
}

export function updateRateLimit(
  db: Database,
  id: string,
  patch: RateLimitPatch,
): Promise<RateLimitRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .update(t.rateLimits)
      .set(defined(patch))
      .where(eq(t.rateLimits.id, id))
      .returning();
    return rows[0];
  });
}

export function deleteRateLimit(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.rateLimits)
      .where(eq(t.rateLimits.id, id))
      .returning({ id: t.rateLimits.id });
    return rows.length > 0;
  });
}

/** Atomically adds consumed tokens and requests to the current window's counters. */
export function addRateLimitUsage(
  db: Database,
  id: string,
  usage: { tokens?: number; requests?: number },
): Promise<RateLimitRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const r = t.rateLimits;
    const rows = await orm
      .update(r)
      .set({
        tokenCurrentUsage: sql`${r.tokenCurrentUsage} + ${usage.tokens ?? 0}`,
        requestCurrentUsage: sql`${r.requestCurrentUsage} + ${usage.requests ?? 0}`,
        updatedAt: sql`${r.updatedAt}`,
      })
      .where(eq(r.id, id))
      .returning();
    return rows[0];
  });
}
