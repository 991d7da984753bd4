import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/connection.ts';
import { resolveSecretBox } from '../../db/crypto.ts';
import { readSnapshotSource } from '../../db/live/snapshot.ts';
import { reconcileConfig } from '../../db/reconcile.ts';
import { contractTests } from './contract/index.ts';
import { FIXTURE_ENV, fixtureConfig } from './fixture.ts';
import { rawTables } from './support.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'heimdall-db-'));

describe('sqlite', () => {
  contractTests({
    open: () => openDatabase({ dataDir }),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  });

  it('puts the default database file under the data dir, in WAL mode with foreign keys on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-db-default-'));
    const db = await openDatabase({ dataDir: join(dir, 'nested') });
    try {
      expect(db.dialect).toBe('sqlite');
      expect(db.description).toBe(`sqlite:${join(dir, 'nested', 'heimdall.db')}`);
      const pragmas = await db.run(async ({ orm }) => {
        const raw = orm as unknown as { get(q: unknown): unknown };
        const { sql } = await import('drizzle-orm');
        return [
          raw.get(sql`PRAGMA journal_mode`),
          raw.get(sql`PRAGMA foreign_keys`),
          raw.get(sql`PRAGMA busy_timeout`),
        ];
      });
      expect(pragmas).toEqual([{ journal_mode: 'wal' }, { foreign_keys: 1 }, { timeout: 5000 }]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a real restart (close, reopen, generated key file) reconciles to no change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-restart-'));
    const start = async () => {
      const db = await openDatabase({ dataDir: dir });
      const box = resolveSecretBox({
        dialect: db.dialect,
        env: {},
        dataDir: db.dataDir,
        warn: () => undefined,
      });
      return { db, box, result: await reconcileConfig(db, fixtureConfig(), box, { env: FIXTURE_ENV }) };
    };
    try {
      const first = await start();
      expect(first.result.version).toBe(1);
      const dump = await rawTables(first.db);
      await first.db.close();
      const second = await start();
      expect([second.result.created, second.result.updated, second.result.version]).toEqual([[], [], 1]);
      expect(await rawTables(second.db)).toEqual(dump);
      const snapshot = await readSnapshotSource(second.db, second.box);
      expect(snapshot.providers.find((p) => p.name === 'openai')?.keys.map((k) => k.value)).toContain(
        'sk-literal-openai-primary-0001',
      );
      await second.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
