/**
 * The SDK against a started Heimdall (in front of the loopback OpenAI mock): typed queries,
 * typed result errors, and a live budgetUpdated subscription that hears an inference call and
 * resubscribes by itself after its socket is cut.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHeimdall } from '../../api/start.ts';
import {
  createHeimdallClient,
  HeimdallError,
  type BudgetUpdatedSubscription,
  type ConnectionEvent,
  type HeimdallClient,
} from '../../clients/sdk/index.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { chat, liveConfig, startLive } from '../graphql/live-stack.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

type BudgetEvent = BudgetUpdatedSubscription['budgetUpdated'];

/** Resolves with the first value `take` accepts among those pushed, or rejects after `ms`. */
function waiter<T>() {
  const seen: T[] = [];
  const pending: Array<{ accept: (value: T) => boolean; resolve: (value: T) => void }> = [];
  return {
    seen,
    push(value: T) {
      seen.push(value);
      for (const entry of [...pending])
        if (entry.accept(value)) {
          pending.splice(pending.indexOf(entry), 1);
          entry.resolve(value);
        }
    },
    next(accept: (value: T) => boolean, ms = 10_000, what = 'event'): Promise<T> {
      const already = seen.find(accept);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
        pending.push({ accept, resolve: (value) => (clearTimeout(timer), resolve(value)) });
      });
    },
  };
}

/**
 * Sends inference calls until the subscription reports one: a subscription is live only once
 * the server has processed its subscribe message, which no client event announces.
 */
async function spendUntil<T>(url: string, wait: ReturnType<typeof waiter<T>>, accept: (value: T) => boolean) {
  for (let attempt = 1; ; attempt += 1) {
    expect((await chat(url, 'openai/gpt-4o-mini')).status).toBe(200);
    try {
      return await wait.next(accept, 3_000, 'budgetUpdated');
    } catch (error) {
      if (attempt === 4) throw error;
    }
  }
}

describe('heimdall/client SDK', () => {
  let mock: OpenAIMock;
  let heimdall: RunningHeimdall;
  let proxy: TcpProxy;
  let client: HeimdallClient;

  beforeAll(async () => {
    mock = await startOpenAIMock();
    heimdall = await startLive(liveConfig(mock.url));
    proxy = await startTcpProxy(Number(new URL(heimdall.url).port));
    client = createHeimdallClient({ endpoint: proxy.url, webSocketImpl: WebSocket });
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await heimdall?.stop();
    await mock?.close();
  });

  it('answers typed queries: budgets, virtual keys, viewer, exportConfig', async () => {
    const budgets = await client.budgets();
    expect(budgets.map((b) => [b.id, b.mode, b.maxLimit])).toEqual([['budget-sync', 'SOFT', 100]]);
    const keys = await client.virtualKeys();
    expect(keys.map((k) => [k.id, k.isActive, k.providerConfigs[0]?.allowedModels])).toEqual([
      ['vk-sync', true, ['gpt-4o-mini']],
    ]);
    expect(await client.viewer()).toMatchObject({ authEnabled: false });
    expect((await client.providers()).map((p) => [p.name, p.keys.map((k) => k.valueHint)])).toEqual([
      ['openai', [expect.not.stringContaining('first-key')]],
    ]);
    expect(await client.teams()).toEqual([]);
    expect(await client.customers()).toEqual([]);
    expect(await client.routingRules()).toEqual([]);
    const exported = await client.exportConfig();
    expect(JSON.stringify(exported)).not.toContain('sk-first-key-value');
  });

  it('turns a refused mutation into a result error carrying the typed detail', async () => {
    const error = await client
      .applyConfig({ governance: { budgets: [{ id: 'broken', max_limit: -1, reset_duration: 'soon' }] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeimdallError);
    expect((error as HeimdallError).kind).toBe('result');
    expect((error as HeimdallError<{ __typename: string }>).detail?.__typename).toBe('ValidationError');
  });

  it('delivers budgetUpdated after an inference call, and again after the socket is cut', async () => {
    const events = waiter<BudgetEvent>();
    const states = waiter<ConnectionEvent>();
    const errors: HeimdallError[] = [];
    client.onConnection((event) => states.push(event));
    const stop = client.budgetUpdated(
      { id: 'budget-sync' },
      { next: (data) => events.push(data.budgetUpdated), error: (e) => errors.push(e) },
    );
    await states.next((e) => e.state === 'connected', 10_000, 'connection');
    const first = await spendUntil(heimdall.url, events, (e) => Number(e.currentUsageMicros) > 0);
    expect(first.id).toBe('budget-sync');

    proxy.dropAll();
    await states.next((e) => e.state === 'reconnecting', 10_000, 'reconnecting state');
    const back = await states.next((e) => e.state === 'connected' && e.reconnected, 10_000, 'reconnect');
    expect(back.reconnected).toBe(true);
    const second = await spendUntil(
      heimdall.url,
      events,
      (e) => BigInt(e.currentUsageMicros) > BigInt(first.currentUsageMicros),
    );
    expect(second.id).toBe('budget-sync');
    expect(errors).toEqual([]);
    stop();
  });

  it("reads this month's spend by team (the README example) after those calls", async () => {
    const now = new Date();
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const to = new Date(now.getTime() + 60_000).toISOString();
    // Request logs are written in batches after the response: wait until both calls are in.
    let byTeam = await client.usage({ range: { from, to }, groupBy: ['TEAM'] });
    for (let i = 0; i < 100 && (byTeam[0]?.requests ?? 0) < 2; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      byTeam = await client.usage({ range: { from, to }, groupBy: ['TEAM'] });
    }
    expect(byTeam).toHaveLength(1); // vk-sync belongs to no team
    expect(byTeam[0]).toMatchObject({ teamId: null });
    expect(byTeam[0]!.requests).toBeGreaterThanOrEqual(2);
    expect(byTeam[0]!.cost).toBeGreaterThan(0);
    const stats = await client.requestLogStats({ filter: { virtualKeyIds: ['vk-sync'] } });
    expect(stats.count).toBe(byTeam[0]!.requests);
    const logs = await client.requestLogs({ first: 1 });
    expect(logs.edges[0]?.node).toMatchObject({ virtualKeyId: 'vk-sync', status: 'SUCCESS' });
  });
});
