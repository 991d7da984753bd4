import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/connection.ts';
import { contractTests } from './contract/index.ts';

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
});
