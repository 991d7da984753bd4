/**
 * Embedded SQLite through better-sqlite3: one connection, WAL, foreign keys on.
 *
 * drizzle's better-sqlite3 transactions are synchronous and reject an async callback, but our
 * repositories are async (they must also run on Postgres). So transactions are driven by hand on
 * the single connection: BEGIN IMMEDIATE … COMMIT/ROLLBACK, with an async mutex so nothing from
 * another async context can slip its statements into an open transaction, and an
 * AsyncLocalStorage scope so work inside the transaction (or inside `run`) re-enters freely.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as tables from '../tables/sqlite/index.ts';
import { Mutex } from './mutex.ts';
import { ensurePrivateDir, ensurePrivateFile, tightenFile, type Warn } from './private-files.ts';
import { StatementLog } from './statement-log.ts';
import { TransactionScope } from './transaction-scope.ts';
import type { Database, Orm, Query, Tables } from './types.ts';

const MIGRATIONS = fileURLToPath(new URL('../migrations/sqlite', import.meta.url));

interface Scope {
  inTransaction: boolean;
  savepoints: number;
  /** Set when the scope's lock is released; stray async work must not use it afterwards. */
  closed: boolean;
}

export interface SqliteOptions {
  file: string;
  dataDir: string;
  /** How long a statement waits for another process's write lock. @default 5000 */
  busyTimeoutMs?: number;
  /** Where findings about file permissions go. @default process.emitWarning */
  warn?: Warn;
}

/** SQLite's companions of the database file, which hold recent writes and share its content. */
const COMPANIONS = ['-wal', '-shm', '-journal'];

/**
 * The database file exists 0600 before SQLite opens it: SQLite creates its WAL and shared-memory
 * files with the database file's mode, so they follow.
 */
function preparePrivateFiles(file: string, warn: Warn): void {
  ensurePrivateDir(dirname(file), warn);
  ensurePrivateFile(file, warn);
  for (const suffix of COMPANIONS) tightenFile(file + suffix, warn);
}

export function openSqlite(options: SqliteOptions): Database {
  if (options.file !== ':memory:')
    preparePrivateFiles(options.file, options.warn ?? ((message) => process.emitWarning(message)));
  const client = new BetterSqlite3(options.file);
  client.pragma('journal_mode = WAL');
  client.pragma('foreign_keys = ON');
  client.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // WAL + NORMAL is durable across application crashes; only an OS crash can lose the last commits.
  client.pragma('synchronous = NORMAL');
  const log = new StatementLog();
  // The SQLite builder is typed as the Postgres one: see connection/types.ts for why that holds.
  const native = drizzle({ client, logger: log.logger });
  const orm = native as unknown as Orm;
  return new SqliteDatabase(client, native, { orm, t: tables as unknown as Tables }, log, options);
}

class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly description: string;
  readonly dataDir: string;
  private readonly mutex = new Mutex();
  private readonly scope = new TransactionScope<Scope>();

  constructor(
    private readonly client: BetterSqlite3.Database,
    private readonly native: BetterSQLite3Database,
    private readonly query: Query,
    private readonly log: StatementLog,
    options: SqliteOptions,
  ) {
    this.description = `sqlite:${options.file}`;
    this.dataDir = options.dataDir;
  }

  get statementCount(): number {
    return this.log.count;
  }

  onStatement(listener: Parameters<Database['onStatement']>[0]): () => void {
    return this.log.subscribe(listener);
  }

  async run<T>(work: (q: Query) => Promise<T>): Promise<T> {
    if (this.activeScope()) return work(this.query);
    return this.mutex.runExclusive(() =>
      this.enter({ inTransaction: false, savepoints: 0, closed: false }, () => work(this.query)),
    );
  }

  async transaction<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    const scope = this.activeScope();
    if (scope?.inTransaction) return this.savepoint(scope, work);
    if (scope) return this.begin(work);
    return this.mutex.runExclusive(() => this.begin(work));
  }

  async ping(): Promise<void> {
    this.client.prepare('SELECT 1').get();
  }

  async migrate(): Promise<void> {
    await this.mutex.runExclusive(async () => migrate(this.native, { migrationsFolder: MIGRATIONS }));
  }

  async close(): Promise<void> {
    // Wait for the current holder so a transaction is not cut off mid-way.
    await this.mutex.runExclusive(async () => this.client.close());
  }

  private activeScope(): Scope | undefined {
    return this.scope.active();
  }

  private enter<T>(scope: Scope, work: () => Promise<T>): Promise<T> {
    return this.scope.run(scope, work);
  }

  private exec(statement: string): void {
    this.log.record(statement);
    this.client.exec(statement);
  }

  /** Caller holds the mutex. IMMEDIATE takes the write lock up front, so no upgrade deadlocks. */
  private async begin<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    this.exec('BEGIN IMMEDIATE');
    try {
      const result = await this.enter({ inTransaction: true, savepoints: 0, closed: false }, () =>
        work(this),
      );
      this.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite may already have rolled back on its own (e.g. disk full); don't mask the cause.
      if (this.client.inTransaction) this.exec('ROLLBACK');
      throw error;
    }
  }

  private async savepoint<T>(scope: Scope, work: (tx: Database) => Promise<T>): Promise<T> {
    scope.savepoints += 1;
    const name = `sp${scope.savepoints}`;
    this.exec(`SAVEPOINT ${name}`);
    try {
      const result = await work(this);
      this.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (this.client.inTransaction) {
        this.exec(`ROLLBACK TO ${name}`);
        this.exec(`RELEASE ${name}`);
      }
      throw error;
    } finally {
      scope.savepoints -= 1;
    }
  }
}
