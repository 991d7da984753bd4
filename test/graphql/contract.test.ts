/** The committed contract files match the code: schema.graphql and the client's typed operations. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { operationsText, schemaText } from '../../codegen.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('generated contract files (run `npm run codegen` after changing the schema)', () => {
  it('schema.graphql is the printed, sorted Pothos schema', () => {
    expect(read('schema.graphql')).toBe(schemaText());
  });

  it('clients/generated/operations.ts matches clients/operations.graphql and the schema', async () => {
    expect(read('clients/generated/operations.ts')).toBe(
      await operationsText(read('clients/operations.graphql')),
    );
  });
});
