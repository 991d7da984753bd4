/** Request logs: written in batches off the hot path, read newest first with keyset paging. */
import { and, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import type { Insert, Row } from './rows.ts';

export type RequestLogRecord = Row<'requestLogs'>;
export type RequestLogInput = Insert<'requestLogs'>;

/** Rows per INSERT: well under SQLite's bound-parameter limit at ~25 columns a row. */
const CHUNK = 500;

/** Inserts a batch; rows whose id already exists are skipped, so a retried batch is harmless. */
export function insertRequestLogs(db: Database, logs: RequestLogInput[]): Promise<number> {
  if (logs.length === 0) return Promise.resolve(0);
  return db.transaction((tx) =>
    tx.run(async ({ orm, t }) => {
      let inserted = 0;
      for (let i = 0; i < logs.length; i += CHUNK) {
        const rows = await orm
          .insert(t.requestLogs)
          .values(logs.slice(i, i + CHUNK))
          .onConflictDoNothing()
          .returning({ id: t.requestLogs.id });
        inserted += rows.length;
      }
      return inserted;
    }),
  );
}

export interface RequestLogFilter {
  virtualKeyId?: string;
  provider?: string;
  model?: string;
  status?: 'success' | 'error';
  /** Inclusive lower bound, epoch ms. */
  since?: number;
  /** Keyset cursor: only rows strictly older than this (createdAt, id) pair. */
  before?: { createdAt: number; id: string };
  /** @default 100 */
  limit?: number;
}

export function listRequestLogs(db: Database, filter: RequestLogFilter = {}): Promise<RequestLogRecord[]> {
  return db.run(({ orm, t }) => {
    const l = t.requestLogs;
    const conditions: Array<SQL | undefined> = [
      filter.virtualKeyId === undefined ? undefined : eq(l.virtualKeyId, filter.virtualKeyId),
      filter.provider === undefined ? undefined : eq(l.provider, filter.provider),
      filter.model === undefined ? undefined : eq(l.model, filter.model),
      filter.status === undefined ? undefined : eq(l.status, filter.status),
      filter.since === undefined ? undefined : gte(l.createdAt, filter.since),
      filter.before === undefined
        ? undefined
        : or(
            lt(l.createdAt, filter.before.createdAt),
            and(eq(l.createdAt, filter.before.createdAt), lt(l.id, filter.before.id)),
          ),
    ];
    return orm
      .select()
      .from(l)
      .where(and(...conditions))
      .orderBy(desc(l.createdAt), desc(l.id))
      .limit(filter.limit ?? 100);
  });
}

export function getRequestLog(db: Database, id: string): Promise<RequestLogRecord | undefined> {
  return db.run(
    async ({ orm, t }) => (await orm.select().from(t.requestLogs).where(eq(t.requestLogs.id, id)))[0],
  );
}

/** Retention: removes logs created before `cutoff` (epoch ms); returns how many. */
export function deleteRequestLogsBefore(db: Database, cutoff: number): Promise<number> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.requestLogs)
      .where(lt(t.requestLogs.createdAt, cutoff))
      .returning({ id: t.requestLogs.id });
    return rows.length;
  });
}
