/**
 * Postgres through a node-postgres pool. Transactions are drizzle's own (each gets a dedicated
 * pool client); an AsyncLocalStorage scope routes repository calls made inside a transaction to
 * that client, so callers compose repositories without threading a transaction handle through.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import * as tables from '../tables/postgres/index.ts';
import { StatementLog } from './statement-log.ts';
import { TransactionScope } from './transaction-scope.ts';
import type { Database, Orm, Query, TransactionOptions } from './types.ts';

const MIGRATIONS = fileURLToPath(new URL('../migrations/postgres', import.meta.url));
/** Arbitrary constant naming the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 0x4865696d; // "Heim"

interface Scope {
  query: Query;
  closed: boolean;
}

export interface PostgresOptions {
  url: string;
  dataDir: string;
  /** Pool size. @default 10 */
  maxConnections?: number;
  /** Give up connecting after this long, so /health answers instead of hanging. @default 5000 */
  connectTimeoutMs?: number;
  /** Errors of idle pool clients (e.g. the server restarted). @default console.error */
  onPoolError?: (error: Error) => void;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparseable url)';
  }
}

export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
  });
  // Without a listener an idle client's error would crash the process.
  pool.on('error', options.onPoolError ?? ((error) => console.error('postgres pool error:', error.message)));
  // The pool listens only to idle clients: one checked out (a transaction between statements)
  // whose server goes away (restart, failover, outage) emitted an unhandled 'error' and crashed
  // the process. Its caller's next query fails with that error instead, and the pool discards
  // the dead client when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const log = new StatementLog();
  const orm: Orm = drizzle({ client: pool, logger: log.logger });
  return new PostgresDatabase(pool, { orm, t: tables }, log, options);
}

class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly description: string;
  readonly dataDir: string;
  private readonly scope = new TransactionScope<Scope>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly query: Query,
    private readonly log: StatementLog,
    options: PostgresOptions,
  ) {
    this.description = redactUrl(options.url);
    this.dataDir = options.dataDir;
  }

  get statementCount(): number {
    return this.log.count;
  }

  onStatement(listener: Parameters<Database['onStatement']>[0]): () => void {
    return this.log.subscribe(listener);
  }

  async run<T>(work: (q: Query) => Promise<T>): Promise<T> {
    return work(this.activeScope()?.query ?? this.query);
  }

  async transaction<T>(work: (tx: Database) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const parent = this.activeScope();
    // Nested calls reach drizzle's PgTransaction.transaction, which uses a savepoint.
    const outer = parent?.query.orm ?? this.query.orm;
    const config =
      options.consistentRead && !parent ? { isolationLevel: 'repeatable read' as const } : undefined;
    return outer.transaction(async (tx) => {
      const scope: Scope = { query: { orm: tx, t: this.query.t }, closed: false };
      return this.scope.run(scope, () => work(this));
    }, config);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Replicas starting together would otherwise race to create the same tables.
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private activeScope(): Scope | undefined {
    return this.scope.active();
  }
}
