import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './db/tables/sqlite/index.ts',
  out: './db/migrations/sqlite',
});
