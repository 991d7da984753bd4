import type { Logger } from 'drizzle-orm/logger';
import type { StatementEvent } from './types.ts';

/** Counts statements and fans them out to listeners; plugged into drizzle as its logger. */
export class StatementLog {
  count = 0;
  private readonly listeners = new Set<(event: StatementEvent) => void>();

  readonly logger: Logger = { logQuery: (sql, params) => this.record(sql, params) };

  record(sql: string, params: unknown[] = []): void {
    this.count += 1;
    for (const listener of this.listeners) listener({ sql, params });
  }

  subscribe(listener: (event: StatementEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
