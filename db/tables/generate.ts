/**
 * The table files are written once, under postgres/, against the helpers of postgres/columns.ts.
 * sqlite/columns.ts exports the same helper names, so the SQLite tables are the same files
 * copied verbatim; this script does the copy and test/db/tables-drift.test.ts fails when a copy
 * is stale. Run it after editing a table: `npx tsx db/tables/generate.ts`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = fileURLToPath(new URL('./postgres/', import.meta.url));
export const TARGET_DIR = fileURLToPath(new URL('./sqlite/', import.meta.url));
/** Hand-written per dialect; everything else in postgres/ is copied. */
const DIALECT_FILES = new Set(['columns.ts']);

const header = (file: string) =>
  `// GENERATED from db/tables/postgres/${file} by db/tables/generate.ts; edit that file, not this one.\n`;

/** The SQLite table files as they should be on disk, by file name. */
export function renderSqliteTables(): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of readdirSync(SOURCE_DIR).sort()) {
    if (!file.endsWith('.ts') || DIALECT_FILES.has(file)) continue;
    files.set(file, header(file) + readFileSync(SOURCE_DIR + file, 'utf8'));
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [file, content] of renderSqliteTables()) writeFileSync(TARGET_DIR + file, content);
  console.log(`wrote ${renderSqliteTables().size} files to ${TARGET_DIR}`);
}
