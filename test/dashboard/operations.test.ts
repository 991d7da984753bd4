/**
 * The dashboard's typed operations are generated from its operations.graphql and the schema; a
 * schema change that breaks one of them, or an edit without `npm run codegen`, fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dashboardOperationsText } from '../../codegen.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('dashboard operations', () => {
  it('clients/dashboard/src/generated/operations.ts matches its operations and the schema (`npm run codegen`)', async () => {
    expect(read('clients/dashboard/src/generated/operations.ts')).toBe(
      await dashboardOperationsText(read('clients/dashboard/operations.graphql')),
    );
  });
});
