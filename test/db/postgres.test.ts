import { describe } from 'vitest';
import { openDatabase } from '../../db/connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { contractTests } from './contract/index.ts';

describe('postgres', () => {
  let testDb: TestDatabase | undefined;
  contractTests({
    open: async () => {
      testDb = await createTestDatabase('heimdall_db');
      return openDatabase({ url: testDb.url });
    },
    dispose: async () => testDb?.drop(),
  });
});
