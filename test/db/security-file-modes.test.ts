/**
 * The data directory and the SQLite files are private to the user Heimdall runs as (issue 11,
 * Low): created 0700 / 0600, and files found open to others are tightened with a warning.
 */
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase, resolveSecretBox } from '../../db/index.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe.skipIf(process.platform === 'win32')('data directory and database file modes', () => {
  it('creates the data directory 0700 and the database, WAL and shared-memory files 0600', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'heimdall-modes-')), 'data');
    const warnings: string[] = [];
    const db = await openDatabase({ dataDir, warn: (message) => warnings.push(message) });
    try {
      await db.ping();
      resolveSecretBox({ dialect: 'sqlite', env: {}, dataDir, warn: () => undefined });
      expect(modeOf(dataDir)).toBe(0o700);
      for (const file of ['heimdall.db', 'heimdall.db-wal', 'heimdall.db-shm', 'encryption.key'])
        expect([file, modeOf(join(dataDir, file))]).toEqual([file, 0o600]);
      expect(warnings).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('tightens existing database files open to others, and warns about an open directory', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'heimdall-modes-')), 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const file = join(dataDir, 'heimdall.db');
    const seed = new Sqlite(file);
    seed.pragma('journal_mode = WAL');
    seed.exec('create table seeded (id integer)');
    seed.close();
    chmodSync(file, 0o644);
    writeFileSync(join(dataDir, 'encryption.key'), 'a-key-written-by-someone-else\n', { mode: 0o644 });
    chmodSync(join(dataDir, 'encryption.key'), 0o644);

    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const db = await openDatabase({ dataDir, warn });
    try {
      resolveSecretBox({ dialect: 'sqlite', env: {}, dataDir, warn });
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(join(dataDir, 'heimdall.db-wal'))).toBe(0o600);
      expect(modeOf(join(dataDir, 'encryption.key'))).toBe(0o600);
      expect(warnings).toEqual(
        expect.arrayContaining([
          `${file} was accessible to other users (mode 644); changed it to 0600`,
          expect.stringContaining(`${dataDir} is accessible to other users (mode 755)`),
          expect.stringContaining(`chmod 700 ${dataDir}`),
          expect.stringContaining(`encryption.key was accessible to other users (mode 644)`),
        ]),
      );
      // An operator's directory is reported, not changed.
      expect(modeOf(dataDir)).toBe(0o755);
    } finally {
      await db.close();
    }
  });
});
