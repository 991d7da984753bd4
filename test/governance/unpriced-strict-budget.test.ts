/**
 * Unpriced models under budgets (issue 12, item 4): a strict budget cannot promise its limit for
 * a cost nobody knows, so it refuses an unpriced model (402 `unpriced_model`, before any provider
 * call) unless the operator set a fallback price, which is then charged; soft budgets and
 * unbudgeted traffic serve it flagged `unpriced` as before. Models the catalogue prices are
 * charged at the package's prices, and its version is on every ledger entry and log row.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../db/config/load.ts';
import { getBudget, listLedgerEntries, listRequestLogs } from '../../db/index.ts';
import { post, startStack, type Reply, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const PACKAGE_VERSION = (
  JSON.parse(
    readFileSync(new URL('../../node_modules/@pydantic/genai-prices/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;

let mock: UsageMock;
let plain: Stack;
let withFallback: Stack;

function config(client: Record<string, unknown> = {}) {
  const provider = (name: string) => ({
    keys: [{ name: `${name}-k`, value: 'sk', models: ['*'] }],
    network_config: { base_url: mock.url },
  });
  return {
    client: { enable_logging: true, disable_content_logging: true, ...client },
    providers: { openai: provider('openai'), anthropic: provider('anthropic'), groq: provider('groq') },
    governance: {
      budgets: [
        { id: 'tiny', max_limit: 0.001, reset_duration: '1d', mode: 'strict' },
        { id: 'strict', max_limit: 100, reset_duration: '1d', mode: 'strict' },
        { id: 'soft', max_limit: 100, reset_duration: '1d', mode: 'soft' },
      ],
      virtual_keys: [
        { id: 'vk-tiny', name: 'tiny', value: 'vk-unpriced-tiny-value-01', budget_id: 'tiny' },
        { id: 'vk-strict', name: 'strict', value: 'vk-unpriced-strict-value-1', budget_id: 'strict' },
        { id: 'vk-soft', name: 'soft', value: 'vk-unpriced-soft-value-001', budget_id: 'soft' },
      ],
    },
  };
}

beforeAll(async () => {
  mock = await startUsageMock();
  plain = await startStack(config());
  withFallback = await startStack(
    config({
      unpriced_fallback_price: { input_per_mtok: 10, output_per_mtok: 30 },
      unpriced_fallback_price_by_provider: { groq: { input_per_mtok: 1, output_per_mtok: 2 } },
    }),
  );
});

afterAll(async () => {
  await plain?.close();
  await withFallback?.close();
  await mock?.close();
});

const chat = (model: string, tokens = { prompt_tokens: 1000, completion_tokens: 2000 }) => ({
  model,
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 4000,
  mock: tokens,
});

const errorOf = (reply: Reply) => reply.body.error as { type: string; code: string; message: string };
const sentUpstream = (model: string) => mock.seen.filter((s) => s.model === model).length;

/** The newest request's log row and its ledger entries, once usage is settled. */
async function lastRequest(stack: Stack) {
  await stack.settle();
  const [log] = await listRequestLogs(stack.database, { limit: 1 });
  const entries = await listLedgerEntries(stack.database, { requestId: log!.id });
  return { log: log!, entries, settled: entries.filter((e) => e.kind === 'settle') };
}

describe('without a fallback price', () => {
  it('a strict budget refuses an unpriced model with 402 unpriced_model, naming it and how to price it', async () => {
    const reply = await post(plain.url, chat('openai/gpt-unlisted-1'), {
      'x-bf-vk': 'vk-unpriced-strict-value-1',
    });
    expect(reply.status).toBe(402);
    const error = errorOf(reply);
    expect(error).toMatchObject({ type: 'budget_exceeded', code: 'unpriced_model' });
    expect(error.message).toContain('"openai/gpt-unlisted-1"');
    expect(error.message).toContain('budget "strict"');
    expect(error.message).toContain('upsertPriceEntry');
    expect(error.message).toContain('client.unpriced_fallback_price');
    expect(sentUpstream('gpt-unlisted-1')).toBe(0);
  });

  it("the issue's case: claude-sonnet-4-6 on a strict $0.001 budget is refused like 4-5, never served at $0", async () => {
    for (const model of ['anthropic/claude-sonnet-4-5', 'anthropic/claude-sonnet-4-6']) {
      const reply = await post(plain.url, chat(model), { 'x-bf-vk': 'vk-unpriced-tiny-value-01' });
      expect([model, reply.status, errorOf(reply).code]).toEqual([model, 402, 'budget_exceeded']);
    }
    expect(sentUpstream('claude-sonnet-4-6')).toBe(0);
  });

  it('a soft budget serves an unpriced model flagged unpriced, as before', async () => {
    const reply = await post(plain.url, chat('openai/gpt-unlisted-2'), {
      'x-bf-vk': 'vk-unpriced-soft-value-001',
    });
    expect(reply.status).toBe(200);
    const { log, settled } = await lastRequest(plain);
    expect(log).toMatchObject({ model: 'gpt-unlisted-2', costMicros: null, unpriced: true });
    expect(settled).toEqual([]);
    expect((await getBudget(plain.database, 'soft'))?.currentUsageMicros).toBe(0);
  });

  it('traffic without a budget is served flagged unpriced', async () => {
    expect((await post(plain.url, chat('openai/gpt-unlisted-3'))).status).toBe(200);
    const { log } = await lastRequest(plain);
    expect(log).toMatchObject({ model: 'gpt-unlisted-3', costMicros: null, unpriced: true });
  });

  it('a catalogue-priced flagship is charged at the package price, its version on the ledger and log', async () => {
    const reply = await post(plain.url, chat('anthropic/claude-sonnet-4-6'), {
      'x-bf-vk': 'vk-unpriced-strict-value-1',
    });
    expect(reply.status).toBe(200);
    const { log, entries, settled } = await lastRequest(plain);
    // The translated body drops `mock`, so the mock reports its default 10 + 20 tokens:
    // 10 × $3/M + 20 × $15/M.
    expect(settled.map((e) => e.amountMicros)).toEqual([330]);
    expect(log).toMatchObject({ costMicros: 330, unpriced: false });
    expect(log.priceBookVersion).toBe(`genai-prices@${PACKAGE_VERSION}`);
    expect(entries.map((e) => e.kind)).toEqual(['settle']);
    for (const entry of entries) expect(entry.priceBookVersion).toBe(log.priceBookVersion);
  });
});

describe('with a fallback price', () => {
  it('a strict budget serves the unpriced model and charges the global fallback', async () => {
    const reply = await post(withFallback.url, chat('openai/gpt-unlisted-1'), {
      'x-bf-vk': 'vk-unpriced-strict-value-1',
    });
    expect(reply.status).toBe(200);
    const { log, entries, settled } = await lastRequest(withFallback);
    // 1,000 × $10/M + 2,000 × $30/M. A strict attempt is never charged more than it reserved
    // (charges.ts strictCap), so the full amount settled shows the reservation covered max_tokens
    // at the same price.
    expect(settled.map((e) => e.amountMicros)).toEqual([70_000]);
    expect(entries.map((e) => e.kind)).toEqual(['settle']);
    expect(log).toMatchObject({ costMicros: 70_000, unpriced: false, priceBookVersion: 'unpriced-fallback' });
  });

  it("a provider's fallback wins over the global one", async () => {
    const reply = await post(withFallback.url, chat('groq/unlisted-llama'), {
      'x-bf-vk': 'vk-unpriced-strict-value-1',
    });
    expect(reply.status).toBe(200);
    const { log, settled } = await lastRequest(withFallback);
    expect(settled.map((e) => e.amountMicros)).toEqual([1000 + 4000]);
    expect(log).toMatchObject({ costMicros: 5000, priceBookVersion: 'unpriced-fallback:groq' });
  });

  it('a model the catalogue prices keeps its own price', async () => {
    const reply = await post(withFallback.url, chat('openai/gpt-4o-mini'), {
      'x-bf-vk': 'vk-unpriced-strict-value-1',
    });
    expect(reply.status).toBe(200);
    const { log } = await lastRequest(withFallback);
    // 1,000 × $0.15/M + 2,000 × $0.60/M
    expect(log).toMatchObject({ costMicros: 1350, priceBookVersion: `genai-prices@${PACKAGE_VERSION}` });
  });
});

describe('config', () => {
  it('refuses a malformed fallback price with the path and the expected shape', () => {
    const bad = { client: { unpriced_fallback_price_by_provider: { openai: { input_per_mtok: -1 } } } };
    expect(() => validateConfig(bad, { env: {} })).toThrow(
      /client\.unpriced_fallback_price_by_provider\.openai\.input_per_mtok: expected a number ≥ 0/,
    );
  });
});
