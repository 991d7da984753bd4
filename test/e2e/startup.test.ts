/**
 * Start-up as a user runs it: a child process per start, real SQLite and Postgres.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MALFORMED_CONFIGS } from '../fixtures/malformed-configs.ts';
import { SEED_ENV, SEED_LITERAL_SECRETS } from '../fixtures/seed-env.ts';
import { runToExit, startHeimdallChild } from '../support/heimdall-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SEED_FILE = join(ROOT, 'test/fixtures/seed-values.yaml');
const KEY = { HEIMDALL_ENCRYPTION_KEY: 'startup-test-encryption-key' };
const tmp = () => mkdtempSync(join(tmpdir(), 'heimdall-start-'));

function dumpSqlite(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .all() as Array<{ name: string }>;
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`select * from "${name}"`).all()]));
  } finally {
    db.close();
  }
}

async function dumpPostgres(url: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    const out: Record<string, unknown[]> = {};
    for (const { table_name } of rows)
      out[table_name] = (await client.query(`select * from "${table_name}" order by 1`)).rows;
    return out;
  } finally {
    await client.end();
  }
}

function expectNoSecrets(text: string): void {
  for (const secret of [
    ...Object.values(SEED_ENV).filter((v) => v.length > 20 && !v.startsWith('http')),
    ...SEED_LITERAL_SECRETS,
  ]) {
    expect(text, `secret ${secret.slice(0, 6)}… leaked`).not.toContain(secret);
  }
}

describe('start-up refuses a bad config and writes nothing', () => {
  it.each(MALFORMED_CONFIGS.map((c) => [c.name, c] as const))('%s', async (_name, config) => {
    const dir = tmp();
    const file = join(dir, config.file);
    writeFileSync(file, config.text);
    const dataDir = join(dir, 'data');
    const { code, output } = await runToExit({ HEIMDALL_CONFIG: file, HEIMDALL_DATA_DIR: dataDir, ...KEY });
    expect(code).not.toBe(0);
    expect(output).toContain(config.expect);
    expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]);
  });

  it('refuses a start-up warm-up count that is not a whole number, before opening anything', async () => {
    const dataDir = join(tmp(), 'data');
    const { code, output } = await runToExit({
      HEIMDALL_CONFIG: join(ROOT, 'config.json'),
      HEIMDALL_DATA_DIR: dataDir,
      HEIMDALL_WARMUP_REQUESTS: 'lots',
      ...KEY,
    });
    expect(code).toBe(1);
    expect(output).toContain('HEIMDALL_WARMUP_REQUESTS: expected a whole number of requests ≥ 0');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('leaves an existing Postgres database untouched', async () => {
    const database = await createTestDatabase();
    try {
      const before = await dumpPostgres(database.url);
      const dir = tmp();
      writeFileSync(join(dir, 'config.json'), MALFORMED_CONFIGS[0]!.text);
      const { code } = await runToExit({
        HEIMDALL_CONFIG: join(dir, 'config.json'),
        DATABASE_URL: database.url,
        ...KEY,
      });
      expect(code).not.toBe(0);
      expect(await dumpPostgres(database.url)).toEqual(before);
    } finally {
      await database.drop();
    }
  });
});

describe('start-up with the seed Helm values', () => {
  it('serves /health on SQLite, and a second start changes no row', async () => {
    const dataDir = join(tmp(), 'data');
    const env = { ...SEED_ENV, ...KEY, HEIMDALL_CONFIG: SEED_FILE, HEIMDALL_DATA_DIR: dataDir };
    const first = await startHeimdallChild(env);
    await first.stop();
    const dbFile = join(dataDir, 'heimdall.db');
    const afterFirst = dumpSqlite(dbFile);
    expect(afterFirst.virtual_keys).toHaveLength(6);
    const second = await startHeimdallChild(env);
    await second.stop();
    expect(dumpSqlite(dbFile)).toEqual(afterFirst);
    expectNoSecrets(first.output() + second.output());
    expectNoSecrets(JSON.stringify(afterFirst));
  });

  describe('on Postgres', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database.drop();
    });

    it('reconciles, and a second start changes no row', async () => {
      const env = {
        ...SEED_ENV,
        ...KEY,
        HEIMDALL_CONFIG: SEED_FILE,
        DATABASE_URL: database.url,
        HEIMDALL_DATA_DIR: join(tmp(), 'data'),
      };
      const first = await startHeimdallChild(env);
      await first.stop();
      const afterFirst = await dumpPostgres(database.url);
      expect(afterFirst.virtual_keys).toHaveLength(6);
      const second = await startHeimdallChild(env);
      await second.stop();
      expect(await dumpPostgres(database.url)).toEqual(afterFirst);
      expectNoSecrets(first.output() + second.output());
      expectNoSecrets(JSON.stringify(afterFirst));
    });

    it('refuses to start without an explicit encryption key', async () => {
      const { code, output } = await runToExit({
        ...SEED_ENV,
        HEIMDALL_ENCRYPTION_KEY: '',
        HEIMDALL_CONFIG: SEED_FILE,
        DATABASE_URL: database.url,
      });
      expect(code).not.toBe(0);
      expect(output).toMatch(/encryption key/i);
    });
  });
});

describe('the shipped example config', () => {
  // Start-up time is a benchmark figure (`npm run bench`), not a test assertion: on a loaded CI
  // machine a wall-clock bound only makes the suite flaky. The generous wait is a hang guard.
  it('starts on a fresh data directory and answers /health', async () => {
    const running = await startHeimdallChild(
      { HEIMDALL_CONFIG: join(ROOT, 'config.json'), HEIMDALL_DATA_DIR: join(tmp(), 'data') },
      45_000,
    );
    try {
      const res = await fetch(`${running.url}/health`);
      expect(res.status).toBe(200);
    } finally {
      await running.stop();
    }
  }, 60_000);
});
