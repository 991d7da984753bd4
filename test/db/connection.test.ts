import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseTarget } from '../../db/connection.ts';
import { redactUrl } from '../../db/connection/postgres.ts';
import { constraintViolation } from '../../db/errors.ts';

describe('choosing the database', () => {
  it('an explicit url wins over the config store', () => {
    const store = { enabled: true, type: 'sqlite' as const, config: { path: '/x.db' } };
    expect(chooseTarget({ url: 'postgres://u@h/db', store }, '/data')).toEqual({
      dialect: 'postgres',
      url: 'postgres://u@h/db',
    });
  });

  it('falls back to the config store, then to SQLite under the data dir', () => {
    const sqlite = { enabled: true, type: 'sqlite' as const, config: { path: 'custom/config.db' } };
    expect(chooseTarget({ store: sqlite }, '/data')).toEqual({
      dialect: 'sqlite',
      file: resolve('custom/config.db'),
    });
    expect(chooseTarget({}, '/data')).toEqual({ dialect: 'sqlite', file: '/data/heimdall.db' });
    const disabled = { enabled: false, type: 'postgres' as const, config: { host: 'db' } };
    expect(chooseTarget({ store: disabled }, '/data')).toEqual({
      dialect: 'sqlite',
      file: '/data/heimdall.db',
    });
  });

  it('builds a Postgres url from Bifrost-style fields, resolving env references', () => {
    const store = {
      enabled: true,
      type: 'postgres' as const,
      config: {
        host: 'db.internal',
        port: '6543',
        user: 'heim',
        password: 'env.PG_PASS',
        db_name: 'gw',
        ssl_mode: 'require',
      },
    };
    const target = chooseTarget({ store, env: { PG_PASS: 'p@ss word' } }, '/data');
    expect(target).toEqual({
      dialect: 'postgres',
      url: 'postgres://heim:p%40ss%20word@db.internal:6543/gw?sslmode=require',
    });
  });

  it('rejects urls it cannot serve and hides passwords in descriptions', () => {
    expect(() => chooseTarget({ url: 'mysql://x' }, '/data')).toThrow(/unsupported database url "mysql:…"/);
    expect(redactUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  });
});

describe('constraint violations', () => {
  it('recognises driver codes through the cause chain', () => {
    expect(constraintViolation({ cause: { code: '23505' } })).toBe('unique');
    expect(constraintViolation({ code: 'SQLITE_CONSTRAINT_CHECK' })).toBe('check');
    expect(
      constraintViolation({ code: 'SQLITE_CONSTRAINT_TRIGGER', message: 'FOREIGN KEY constraint failed' }),
    ).toBe('foreign_key');
    expect(constraintViolation(new Error('other'))).toBeUndefined();
  });
});
