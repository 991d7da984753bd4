/**
 * The SQLite tables are generated copies of the Postgres ones (db/tables/generate.ts), and the
 * committed migrations must match the tables. Both drift checks live here, plus a compile-time
 * check that the two dialects infer identical row types.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSqliteTables, TARGET_DIR } from '../../db/tables/generate.ts';
import type * as pg from '../../db/tables/postgres/index.ts';
import type * as sqlite from '../../db/tables/sqlite/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type SameRows<K extends keyof typeof pg & keyof typeof sqlite> = Equal<
  [(typeof pg)[K]['$inferSelect'], (typeof pg)[K]['$inferInsert']],
  [(typeof sqlite)[K]['$inferSelect'], (typeof sqlite)[K]['$inferInsert']]
>;
type AllSame = { [K in keyof typeof pg & keyof typeof sqlite]: SameRows<K> };
// Fails to compile if any table's row or insert type differs between the dialects.
const rowsMatch: AllSame[keyof AllSame] = true;
const sameTables: Equal<keyof typeof pg, keyof typeof sqlite> = true;

describe('dialect drift', () => {
  it('both dialects export the same tables with the same row types', () => {
    expect([rowsMatch, sameTables]).toEqual([true, true]);
  });

  it('the SQLite table files are up to date with the Postgres ones', () => {
    for (const [file, content] of renderSqliteTables()) {
      expect(
        readFileSync(join(TARGET_DIR, file), 'utf8'),
        `db/tables/sqlite/${file} is stale: run npx tsx db/tables/generate.ts`,
      ).toBe(content);
    }
  });

  it.each(['sqlite', 'postgresql'])(
    'regenerating %s migrations yields nothing new',
    (dialect) => {
      const folder = dialect === 'sqlite' ? 'sqlite' : 'postgres';
      const out = mkdtempSync(join(tmpdir(), 'heimdall-migrations-'));
      try {
        cpSync(join('db/migrations', folder), out, { recursive: true });
        const before = readdirSync(out).sort();
        // drizzle-kit prefixes `./` to --out, so it needs a path relative to the working directory.
        const run = spawnSync(
          'npx',
          [
            'drizzle-kit',
            'generate',
            `--dialect=${dialect}`,
            `--schema=./db/tables/${folder}/index.ts`,
            `--out=${relative(process.cwd(), out)}`,
          ],
          { encoding: 'utf8' },
        );
        // It reports on stdout or stderr, and exits 0 even on errors: read both and check the text.
        const log = `${run.stdout}${run.stderr}`;
        expect(
          readdirSync(out).sort(),
          `schema changed without a migration: run npm run db:generate\n${log}`,
        ).toEqual(before);
        expect(log).toMatch(/No schema changes/);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
