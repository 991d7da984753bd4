/**
 * The ledger and the request logs: replayed usage is applied once, the reconciliation check
 * catches a counter that drifted from the ledger, orphaned leases are released, unpriced models
 * are never silently free (null cost, `unpriced`, a metric, 402 under `deny`), mid-stream
 * cut-off in strict mode, request-log content logging and retention, direct keys, /v1/models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addBudgetUsage,
  deletePriceVersion,
  insertPriceEntries,
  insertRequestLogs,
  listLedgerEntries,
  listRequestLogs,
} from '../../db/index.ts';
import { errorType, post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

let mock: UsageMock;
let stack: Stack;

function config(url: string, client: Record<string, unknown> = {}) {
  return {
    client: { enable_logging: true, disable_content_logging: true, log_retention_days: 7, ...client },
    providers: {
      openai: { keys: [{ name: 'oa', value: 'sk-conf', models: ['*'] }], network_config: { base_url: url } },
    },
    governance: {
      budgets: [
        { id: 'b', max_limit: 100, reset_duration: '1d', mode: 'strict' },
        { id: 'cut', max_limit: 0.002, reset_duration: '1d', mode: 'strict' },
      ],
      virtual_keys: [
        {
          id: 'vk',
          name: 'vk',
          value: 'vk-ledger-secret-value-0001',
          budget_id: 'b',
          provider_configs: [{ provider: 'openai', allowed_models: ['gpt-4o', 'my-unpriced-model'] }],
        },
        { id: 'vk-cut', name: 'cut', value: 'vk-cut-secret-value-0001', budget_id: 'cut' },
      ],
    },
  };
}

beforeAll(async () => {
  mock = await startUsageMock();
  stack = await startStack(config(mock.url));
});

afterAll(async () => {
  await stack?.close();
  await mock?.close();
});

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe('ledger', () => {
  it('on SQLite, durable writes run on a writer thread', () => {
    expect(stack.service.writes).toBe('worker');
  });

  it('applies a replayed usage report once and reconciles', async () => {
    const entry = {
      requestId: 'replay-1',
      attempt: 0,
      kind: 'settle' as const,
      budgetId: 'b',
      amountMicros: 1234,
    };
    await stack.service.reportUsage({ holder: 'h', ledger: [entry], rateReturns: [] });
    await stack.service.reportUsage({ holder: 'h', ledger: [entry], rateReturns: [] });
    await stack.settle();
    expect(await listLedgerEntries(stack.database, { requestId: 'replay-1' })).toHaveLength(1);
    expect((await stack.service.reconcile('b')).ok).toBe(true);
  });

  it('skips a whole report replayed with the same batch number', async () => {
    const report = {
      holder: 'replayer',
      batch: 1,
      ledger: [
        { requestId: 'replay-2', attempt: 0, kind: 'settle' as const, budgetId: 'b', amountMicros: 11 },
      ],
      rateReturns: [],
    };
    const before = (await stack.service.reconcile('b')).ledger.settled;
    await stack.service.reportUsage(report);
    await stack.service.reportUsage(report);
    const after = await stack.service.reconcile('b');
    expect(after.ledger.settled - before).toBe(11);
    expect(after.ok).toBe(true);
  });

  it('the reconciliation check catches a counter that drifted from the ledger', async () => {
    await addBudgetUsage(stack.database, 'b', { usedMicros: 7 });
    const drifted = await stack.service.reconcile('b');
    expect(drifted.ok).toBe(false);
    expect(drifted.database.used - drifted.ledger.settled).toBe(7);
    await addBudgetUsage(stack.database, 'b', { usedMicros: -7 });
    expect((await stack.service.reconcile('b')).ok).toBe(true);
  });

  it('every attempt records what it spent, with the price-book version, and nothing that nets to zero', async () => {
    const reply = await post(stack.url, chat('gpt-4o', { max_tokens: 100 }), {
      'x-bf-vk': 'vk-ledger-secret-value-0001',
    });
    expect(reply.status).toBe(200);
    await stack.settle();
    const [log] = await listRequestLogs(stack.database, { limit: 1 });
    const entries = await listLedgerEntries(stack.database, { requestId: log!.id });
    // The strict reservation came out of this replica's lease and went back to it in memory; the
    // ledger holds the lease (`lease:<holder>` entries), not a reserve and release per attempt.
    expect(entries.map((e) => e.kind)).toEqual(['settle']);
    expect(entries[0]!.amountMicros).toBe(225);
    expect(new Set(entries.map((e) => e.priceBookVersion))).toEqual(new Set([log!.priceBookVersion]));
    expect(log!.priceBookVersion).toMatch(/^genai-prices@/);
  });
});

describe('price overrides from the control plane', () => {
  it('take precedence over the bundled book and carry their own version', async () => {
    await insertPriceEntries(stack.database, [
      {
        provider: 'openai',
        model: 'my-unpriced-model',
        inputMicrosPerMtok: 1_000_000,
        outputMicrosPerMtok: 2_000_000,
        version: 'override-2027-01',
        source: 'admin',
      },
    ]);
    await stack.reloadConfig();
    const reply = await post(
      stack.url,
      chat('openai/my-unpriced-model', { mock: { prompt_tokens: 1000, completion_tokens: 1000 } }),
      {
        'x-bf-vk': 'vk-ledger-secret-value-0001',
      },
    );
    expect(reply.status).toBe(200);
    await stack.settle();
    const [log] = await listRequestLogs(stack.database, { limit: 1 });
    // 1,000 × $1/M + 1,000 × $2/M = 3,000 µ$.
    expect(log).toMatchObject({ costMicros: 3000, unpriced: false, priceBookVersion: 'override-2027-01' });
    await deletePriceVersion(stack.database, 'override-2027-01');
    await stack.reloadConfig();
  });
});

describe('unpriced models', () => {
  it('are logged with cost null and unpriced, and counted (no budget applies)', async () => {
    // Under the VK's strict budget the model would be refused (unpriced-strict-budget.test.ts).
    const reply = await post(stack.url, chat('openai/my-unpriced-model'));
    expect(reply.status).toBe(200);
    await stack.settle();
    const [log] = await listRequestLogs(stack.database, { limit: 1 });
    expect(log).toMatchObject({ model: 'my-unpriced-model', costMicros: null, unpriced: true });
    // A name that no key lists and no price knows is a metric label only as `other` (tenants
    // must not mint series); the log row above names it.
    expect(await stack.gateway.metrics()).toMatch(
      /heimdall_unpriced_requests_total\{provider="openai",model="other"\} 1/,
    );
  });

  it('are refused with 402 under a budget when unpriced_model_policy is deny', async () => {
    const strict = await startStack(config(mock.url, { unpriced_model_policy: 'deny' }));
    try {
      const reply = await post(strict.url, chat('openai/my-unpriced-model'), {
        'x-bf-vk': 'vk-ledger-secret-value-0001',
      });
      expect([reply.status, errorType(reply)]).toEqual([402, 'budget_exceeded']);
      expect(
        (await post(strict.url, chat('gpt-4o'), { 'x-bf-vk': 'vk-ledger-secret-value-0001' })).status,
      ).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe('mid-stream cut-off (strict)', () => {
  it('ends a stream that would pass the headroom with an error event and charges what was delivered', async () => {
    // 2,000 µ$ budget; no max_tokens, so the worst case (16,384 output tokens of gpt-4o) does not
    // fit: the stream starts on the headroom and is cut when its running cost reaches it.
    const reply = await post(
      stack.url,
      chat('openai/gpt-4o', {
        stream: true,
        mock: { chunks: 400, chunk_text: 'word ', completion_tokens: 400 },
      }),
      { 'x-bf-vk': 'vk-cut-secret-value-0001' },
    );
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('budget_exhausted_mid_stream');
    expect(reply.text).not.toContain('[DONE]');
    await stack.settle();
    const check = await stack.service.reconcile('cut');
    expect(check.ok).toBe(true);
    expect(check.ledger.settled).toBeGreaterThan(0);
    expect(check.ledger.settled).toBeLessThanOrEqual(2_000);
    const next = await post(stack.url, chat('openai/gpt-4o', { max_tokens: 1000 }), {
      'x-bf-vk': 'vk-cut-secret-value-0001',
    });
    expect(next.status).toBe(402);
  });
});

describe('request logs', () => {
  it('keep no content when disable_content_logging, and carry the governance columns', async () => {
    await post(stack.url, chat('gpt-4o', { mock: { fault: 'status:400' } }), {
      'x-bf-vk': 'vk-ledger-secret-value-0001',
    });
    await stack.settle();
    const [log] = await listRequestLogs(stack.database, { limit: 1 });
    expect(log).toMatchObject({
      status: 'error',
      statusCode: 400,
      virtualKeyId: 'vk',
      providerKeyName: 'oa',
    });
    expect(log!.error).not.toContain('mock failure');
  });

  it('are deleted after log_retention_days', async () => {
    const old = Date.now() - 8 * 86_400_000;
    await insertRequestLogs(stack.database, [
      { id: 'ancient', createdAt: old, provider: 'openai', model: 'gpt-4o', status: 'success' },
    ]);
    expect(await stack.service.applyRetention()).toBeGreaterThanOrEqual(1);
    expect((await listRequestLogs(stack.database, { limit: 10_000 })).some((r) => r.id === 'ancient')).toBe(
      false,
    );
  });
});

describe('keys and models', () => {
  it('a non-VK bearer is a direct provider key only with allow_direct_keys', async () => {
    const direct = await startStack(config(mock.url, { allow_direct_keys: true }));
    try {
      mock.seen.length = 0;
      const reply = await post(direct.url, chat('openai/gpt-4o'), { authorization: 'Bearer sk-callers-own' });
      expect(reply.status).toBe(200);
      expect(mock.seen.at(-1)!.auth).toBe('Bearer sk-callers-own');
    } finally {
      await direct.close();
    }
    mock.seen.length = 0;
    await post(stack.url, chat('openai/gpt-4o'), { authorization: 'Bearer sk-callers-own' });
    expect(mock.seen.at(-1)!.auth).toBe('Bearer sk-conf');
  });

  it('GET /v1/models lists only what the key may use', async () => {
    const response = await fetch(`${stack.url}/v1/models`, {
      headers: { 'x-bf-vk': 'vk-ledger-secret-value-0001' },
    });
    const body = (await response.json()) as { data: Array<{ id: string }> };
    for (const entry of body.data) expect(['openai/gpt-4o', 'openai/my-unpriced-model']).toContain(entry.id);
  });
});
