/**
 * Opens the control-plane database. Precedence: an explicit Postgres `url` (DATABASE_URL), then
 * the config file's `config_store`, then an embedded SQLite file under `dataDir`.
 */
import { resolve } from 'node:path';
import { resolveEnvRef } from './config/env-ref.ts';
import type { StoreConfig } from './config/model.ts';
import { openPostgres } from './connection/postgres.ts';
import { openSqlite } from './connection/sqlite.ts';
import type { Database } from './connection/types.ts';

export type { Database, Dialect, Query, StatementEvent, TransactionOptions } from './connection/types.ts';

export interface OpenDatabaseOptions {
  /** `postgres://…` (typically DATABASE_URL); wins over everything else. */
  url?: string | undefined;
  /** The config file's `config_store` section. */
  store?: StoreConfig | undefined;
  /** Directory for the default SQLite file and its generated key. @default './data' */
  dataDir?: string | undefined;
  /** Apply pending migrations before returning. @default true */
  migrate?: boolean;
  /** Postgres pool size. @default 10 */
  maxConnections?: number;
  /** For unset `env.VAR` references in the store config. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Findings about the SQLite files' permissions (tightened or too open). @default process.emitWarning */
  warn?: (message: string) => void;
}

export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_SQLITE_FILE = 'heimdall.db';

type Target = { dialect: 'postgres'; url: string } | { dialect: 'sqlite'; file: string };

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const target = chooseTarget(options, dataDir);
  const database =
    target.dialect === 'postgres'
      ? openPostgres({ url: target.url, dataDir, maxConnections: options.maxConnections })
      : openSqlite({ file: target.file, dataDir, warn: options.warn });
  if (options.migrate ?? true) {
    try {
      await database.migrate();
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  return database;
}

export function chooseTarget(options: OpenDatabaseOptions, dataDir: string): Target {
  const env = options.env ?? process.env;
  if (options.url) {
    if (!/^postgres(ql)?:\/\//.test(options.url)) {
      throw new Error(
        `unsupported database url "${options.url.split(':')[0]}:…"; expected postgres://user:password@host:5432/db`,
      );
    }
    return { dialect: 'postgres', url: options.url };
  }
  const store = options.store;
  if (store?.enabled && store.type === 'postgres')
    return { dialect: 'postgres', url: postgresUrl(store.config, env) };
  if (store?.enabled && store.type === 'sqlite' && store.config.path) {
    return { dialect: 'sqlite', file: resolve(resolveEnvRef(store.config.path, env) ?? store.config.path) };
  }
  return { dialect: 'sqlite', file: resolve(dataDir, DEFAULT_SQLITE_FILE) };
}

type PostgresStoreConfig = Extract<StoreConfig, { type: 'postgres' }>['config'];

/** Builds a URL from Bifrost's host/port/user/password/db_name/ssl_mode fields. */
function postgresUrl(config: PostgresStoreConfig, env: NodeJS.ProcessEnv): string {
  const read = (value: string | number | undefined) =>
    value === undefined ? undefined : resolveEnvRef(String(value), env);
  const direct = read(config.url);
  if (direct) return direct;
  const user = read(config.user) ?? 'postgres';
  const password = read(config.password);
  const auth = encodeURIComponent(user) + (password ? `:${encodeURIComponent(password)}` : '');
  const url = new URL(`postgres://${auth}@${read(config.host) ?? 'localhost'}:${read(config.port) ?? 5432}`);
  url.pathname = `/${encodeURIComponent(read(config.db_name) ?? 'heimdall')}`;
  const sslMode = read(config.ssl_mode);
  if (sslMode) url.searchParams.set('sslmode', sslMode);
  return url.toString();
}
