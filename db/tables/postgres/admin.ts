/** Control-plane identities and the key/value bookkeeping of config reconciliation. */
import { json, millis, table, text } from './columns.ts';
import { timestamps } from './timestamps.ts';

export const adminUsers = table('admin_users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique('admin_users_username_unique'),
  /** `scrypt$…` hash, or an `env.VAR` reference to compare against at login. */
  passwordHash: text('password_hash').notNull(),
  ...timestamps(),
});

export const adminTokens = table('admin_tokens', {
  id: text('id').primaryKey(),
  userId: text('user_id').references(() => adminUsers.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** Hex SHA-256 of the bearer token; the token is shown once at creation. */
  tokenHash: text('token_hash').notNull().unique('admin_tokens_token_hash_unique'),
  scopes: json<string[]>('scopes')
    .notNull()
    .$defaultFn(() => []),
  expiresAt: millis('expires_at'),
  lastUsedAt: millis('last_used_at'),
  createdAt: millis('created_at')
    .notNull()
    .$defaultFn(() => Date.now()),
});

/** Config version counter, per-entity file fingerprints, client and auth settings. */
export const configMeta = table('config_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: millis('updated_at')
    .notNull()
    .$defaultFn(() => Date.now())
    .$onUpdateFn(() => Date.now()),
});
