import { describe, expect, it } from 'vitest';
import { constraintViolation } from '../../../db/errors.ts';
import * as admin from '../../../db/repositories/admin.ts';
import { createBudget, getBudget } from '../../../db/repositories/budgets.ts';
import * as ledger from '../../../db/repositories/ledger.ts';
import * as meta from '../../../db/repositories/meta.ts';
import * as prices from '../../../db/repositories/prices.ts';
import * as logs from '../../../db/repositories/request-logs.ts';
import type { ContractContext } from './context.ts';

const log = (
  id: string,
  createdAt: number,
  extra: Partial<logs.RequestLogInput> = {},
): logs.RequestLogInput => ({
  id,
  createdAt,
  provider: 'openai',
  model: 'gpt-4o',
  status: 'success',
  ...extra,
});

export function usageTests(ctx: ContractContext): void {
  describe('request logs', () => {
    it('round-trips every column, with exact timestamps, booleans and nullable cost', async () => {
      const { db } = ctx;
      const full = log('r1', 1_717_171_717_123, {
        clientRequestId: 'caller-req-1',
        completedAt: 1_717_171_718_000,
        endpoint: 'chat',
        stream: true,
        statusCode: 200,
        latencyMs: 877,
        ttftMs: 120,
        inputTokens: 10,
        outputTokens: 20,
        cachedTokens: 5,
        costMicros: 1234,
        priceBookVersion: '2025-06',
        virtualKeyId: 'vk',
        teamId: 't',
        customerId: 'c',
        providerKeyName: 'primary',
        retries: 1,
        fallbackIndex: 2,
        routingRuleId: 'rule',
      });
      expect(
        await logs.insertRequestLogs(db, [
          full,
          log('r2', 1_717_171_717_124, { unpriced: true, status: 'error', error: 'boom' }),
        ]),
      ).toBe(2);
      const read = await logs.getRequestLog(db, 'r1');
      expect(read).toEqual({ ...full, unpriced: false, usageEstimated: false, error: null });
      expect(typeof read?.stream).toBe('boolean');
      const unpriced = await logs.getRequestLog(db, 'r2');
      expect(unpriced).toMatchObject({
        costMicros: null,
        unpriced: true,
        stream: false,
        createdAt: 1_717_171_717_124,
      });
    });

    it('skips replayed ids, filters and pages newest first, and expires old rows', async () => {
      const { db } = ctx;
      const batch = [1, 2, 3, 4, 5].map((i) =>
        log(`r${i}`, 1000 + (i % 3), { virtualKeyId: i % 2 ? 'odd' : 'even' }),
      );
      expect(await logs.insertRequestLogs(db, batch)).toBe(5);
      expect(await logs.insertRequestLogs(db, batch)).toBe(0);
      const page1 = await logs.listRequestLogs(db, { limit: 2 });
      expect(page1.map((r) => r.id)).toEqual(['r5', 'r2']);
      const last = page1[1]!;
      const page2 = await logs.listRequestLogs(db, {
        limit: 10,
        before: { createdAt: last.createdAt, id: last.id },
      });
      expect(page2.map((r) => r.id)).toEqual(['r4', 'r1', 'r3']);
      expect((await logs.listRequestLogs(db, { virtualKeyId: 'even' })).map((r) => r.id)).toEqual([
        'r2',
        'r4',
      ]);
      expect(
        await logs.listRequestLogs(db, { since: 1002, provider: 'openai', model: 'gpt-4o' }),
      ).toHaveLength(2);
      expect(await logs.deleteRequestLogsBefore(db, 1001)).toBe(1);
      expect(await logs.listRequestLogs(db)).toHaveLength(4);
    });
  });

  describe('usage ledger', () => {
    it('applies reserve/settle/release once, however often a batch is replayed', async () => {
      const { db } = ctx;
      await createBudget(db, { id: 'b', maxLimitMicros: 10_000_000, resetDuration: '1d' });
      const batch: ledger.LedgerEntryInput[] = [
        { requestId: 'req', attempt: 0, kind: 'reserve', budgetId: 'b', amountMicros: 500 },
        { requestId: 'req', attempt: 0, kind: 'settle', budgetId: 'b', amountMicros: 321 },
        { requestId: 'req', attempt: 0, kind: 'release', budgetId: 'b', amountMicros: 500 },
      ];
      expect(await ledger.recordLedgerEntries(db, batch)).toHaveLength(3);
      expect(await ledger.recordLedgerEntries(db, batch)).toHaveLength(0);
      expect(
        await ledger.recordLedgerEntries(db, [
          ...batch,
          { requestId: 'req', attempt: 1, kind: 'settle', budgetId: 'b', amountMicros: 1 },
        ]),
      ).toHaveLength(1);
      expect(await getBudget(db, 'b')).toMatchObject({ currentUsageMicros: 322, reservedMicros: 0 });
      const entries = await ledger.listLedgerEntries(db, { requestId: 'req' });
      expect(entries.map((e) => [e.kind, e.attempt])).toEqual([
        ['reserve', 0],
        ['settle', 0],
        ['release', 0],
        ['settle', 1],
      ]);
      expect(await ledger.listLedgerEntries(db, { budgetId: 'other' })).toEqual([]);
    });
  });

  describe('price book', () => {
    it('stores versions of per-million-token prices in micros', async () => {
      const { db } = ctx;
      const entry = {
        provider: 'openai',
        model: 'gpt-4o',
        inputMicrosPerMtok: 2_500_000,
        outputMicrosPerMtok: 10_000_000,
        version: 'v1',
        source: 'bundled',
      };
      expect(
        await prices.insertPriceEntries(db, [
          entry,
          { ...entry, tierThresholdTokens: 200_000, inputMicrosPerMtok: 5_000_000 },
        ]),
      ).toBe(2);
      expect(await prices.insertPriceEntries(db, [entry])).toBe(0);
      await prices.insertPriceEntries(db, [{ ...entry, version: 'v2', cacheReadMicrosPerMtok: 1_250_000 }]);
      expect(await prices.latestPriceVersion(db)).toBe('v2');
      const v1 = await prices.listPriceEntries(db, { version: 'v1', model: 'gpt-4o' });
      expect(v1.map((p) => [p.tierThresholdTokens, p.inputMicrosPerMtok, p.cacheReadMicrosPerMtok])).toEqual([
        [0, 2_500_000, null],
        [200_000, 5_000_000, null],
      ]);
      expect(await prices.deletePriceVersion(db, 'v1')).toBe(2);
      expect(await prices.listPriceEntries(db, { provider: 'openai' })).toHaveLength(1);
    });
  });

  describe('admin users and tokens', () => {
    it('hashes passwords, verifies logins and keeps env references', async () => {
      const { db } = ctx;
      const user = await admin.createAdminUser(db, { username: 'root', password: 'correct horse' });
      expect(user.passwordHash).toMatch(/^scrypt\$/);
      expect(await admin.verifyAdminLogin(db, 'root', 'correct horse')).toMatchObject({ id: user.id });
      expect(await admin.verifyAdminLogin(db, 'root', 'wrong')).toBeUndefined();
      expect(
        constraintViolation(
          await admin.createAdminUser(db, { username: 'root', password: 'x' }).catch((e: unknown) => e),
        ),
      ).toBe('unique');
      await admin.setAdminPassword(db, user.id, 'env.ADMIN_PW');
      expect(admin.verifyPassword('env.ADMIN_PW', 'from-env', { ADMIN_PW: 'from-env' })).toBe(true);
      expect(admin.verifyPassword('env.ADMIN_PW', 'from-env', {})).toBe(false);
      expect(await admin.listAdminUsers(db)).toHaveLength(1);
    });

    it('stores token hashes, honours expiry and cascades with the user', async () => {
      const { db } = ctx;
      const user = await admin.createAdminUser(db, { username: 'ops', password: 'pw' });
      const { token, record } = await admin.createAdminToken(db, {
        userId: user.id,
        name: 'ci',
        scopes: ['read', 'write'],
        expiresAt: 2_000,
      });
      expect(record.tokenHash).toBe(admin.hashToken(token));
      expect(await admin.findAdminToken(db, token, 1_999)).toMatchObject({ scopes: ['read', 'write'] });
      expect(await admin.findAdminToken(db, token, 2_000)).toBeUndefined();
      await admin.touchAdminToken(db, record.id, 1_500);
      expect((await admin.listAdminTokens(db))[0]?.lastUsedAt).toBe(1_500);
      await admin.deleteAdminUser(db, user.id);
      expect(await admin.listAdminTokens(db)).toEqual([]);
      const loose = await admin.createAdminToken(db, {
        userId: null,
        name: 'svc',
        scopes: [],
        expiresAt: null,
      });
      expect(await admin.findAdminToken(db, loose.token)).toBeDefined();
      expect(await admin.deleteAdminToken(db, loose.record.id)).toBe(true);
    });
  });

  describe('config meta', () => {
    it('counts versions from zero and stores key/value pairs', async () => {
      const { db } = ctx;
      expect(await meta.getConfigVersion(db)).toBe(0);
      expect(await meta.bumpConfigVersion(db)).toBe(1);
      expect(await meta.bumpConfigVersion(db)).toBe(2);
      expect(await meta.getConfigVersion(db)).toBe(2);
      await meta.setMeta(db, 'a_b', '1');
      await meta.setMeta(db, 'axb', '2');
      await meta.setMeta(db, 'a_b', '3');
      expect([...(await meta.listMeta(db, 'a_'))]).toEqual([['a_b', '3']]);
      expect(await meta.deleteMeta(db, 'axb')).toBe(true);
      expect(await meta.getMeta(db, 'axb')).toBeUndefined();
    });
  });
}
