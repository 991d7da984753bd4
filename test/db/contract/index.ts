/**
 * One contract suite for both dialects: every repository, constraint, transaction and the
 * reconciliation behave the same on SQLite and Postgres, or a test names the difference.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Database } from '../../../db/connection.ts';
import { createSecretBox } from '../../../db/crypto.ts';
import { clearTables } from '../support.ts';
import { accessTests } from './access.ts';
import { configMappingTests } from './config-mapping.ts';
import type { ContractContext } from './context.ts';
import { governanceTests } from './governance.ts';
import { providerTests } from './providers.ts';
import { reconcileTests } from './reconcile.ts';
import { secretTests } from './secrets.ts';
import { transactionTests } from './transactions.ts';
import { usageTests } from './usage.ts';

export interface ContractSetup {
  open(): Promise<Database>;
  /** Runs after the database is closed (drop the throwaway Postgres database, remove temp dirs). */
  dispose?(): Promise<void>;
}

export function contractTests(setup: ContractSetup): void {
  const ctx = {} as ContractContext;
  beforeAll(async () => {
    ctx.db = await setup.open();
    ctx.box = createSecretBox('contract-suite-key');
  });
  afterAll(async () => {
    await ctx.db?.close();
    await setup.dispose?.();
  });
  beforeEach(() => clearTables(ctx.db));

  providerTests(ctx);
  governanceTests(ctx);
  accessTests(ctx);
  usageTests(ctx);
  transactionTests(ctx);
  reconcileTests(ctx);
  secretTests(ctx);
  configMappingTests(ctx);
}
