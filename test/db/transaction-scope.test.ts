import { executionAsyncId } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/connection.ts';
import { TransactionScope } from '../../db/connection/transaction-scope.ts';

/**
 * With no promise hooks installed, code resumed after an await runs with async id 0; an enabled
 * AsyncLocalStorage installs them for the whole process (every await on the hot path pays).
 */
async function promiseHooksOn(): Promise<boolean> {
  await null;
  return executionAsyncId() !== 0;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('TransactionScope', () => {
  it('is active inside run, closed for work it leaves behind, and installs no promise hooks once idle', async () => {
    const scope = new TransactionScope<{ closed: boolean; name: string }>();
    expect(await promiseHooksOn()).toBe(false);
    let leftBehind: Promise<unknown> | undefined;
    const seen = await scope.run({ closed: false, name: 'a' }, async () => {
      await null;
      expect(await promiseHooksOn()).toBe(true);
      leftBehind = new Promise((resolve) => setTimeout(resolve, 5)).then(() => scope.active());
      return scope.active()?.name;
    });
    expect(seen).toBe('a');
    expect(await leftBehind).toBeUndefined();
    expect(scope.active()).toBeUndefined();
    expect(await promiseHooksOn()).toBe(false);
  });

  it('keeps a scope that is still open when an overlapping one closes', async () => {
    const scope = new TransactionScope<{ closed: boolean; name: string }>();
    let finishLong!: () => void;
    const gate = new Promise<void>((resolve) => (finishLong = resolve));
    const long = scope.run({ closed: false, name: 'long' }, async () => {
      await gate;
      return scope.active()?.name;
    });
    await scope.run({ closed: false, name: 'short' }, async () => {
      await null;
      expect(scope.active()?.name).toBe('short');
    });
    finishLong();
    expect(await long).toBe('long');
    expect(await promiseHooksOn()).toBe(false);
  });

  it('leaves no promise hooks behind after SQLite transactions, nested ones included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-scope-'));
    dirs.push(dir);
    const db = await openDatabase({ dataDir: dir });
    try {
      const inner = await db.transaction(async (tx) => tx.transaction(async () => promiseHooksOn()));
      expect(inner).toBe(true);
      await db.run(async () => undefined);
      expect(await promiseHooksOn()).toBe(false);
    } finally {
      await db.close();
    }
  });
});
