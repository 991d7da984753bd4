/**
 * Writes the generated contract files that are committed: `config.schema.json` (from the zod
 * config model) and `schema.graphql` (from the Pothos schema, once mounted). Tests fail when the
 * committed files drift from the code; run `npm run codegen` to refresh them.
 */
import { writeFileSync } from 'node:fs';
import { configJsonSchemaText } from './db/config/json-schema.ts';

writeFileSync(new URL('./config.schema.json', import.meta.url), configJsonSchemaText());
console.log('wrote config.schema.json');
