/**
 * Reset windows: rolling by default, calendar-aligned on request (UTC day, ISO week, real
 * calendar month, year). A monthly calendar budget created on January 31 resets on February 1
 * and March 1 (clock injected), not 30 days later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentWindow, parseWindow } from '../../clients/contract/windows.ts';
import { post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('window arithmetic', () => {
  it('calendar: UTC day, ISO week (Monday), real month, year', () => {
    const now = at('2027-03-17T15:04:05Z'); // a Wednesday
    const w = (text: string) => {
      const window = currentWindow(parseWindow(text, true)!, 0, now);
      return [iso(window.start), iso(window.end)];
    };
    expect(w('1d')).toEqual(['2027-03-17T00:00:00.000Z', '2027-03-18T00:00:00.000Z']);
    expect(w('1w')).toEqual(['2027-03-15T00:00:00.000Z', '2027-03-22T00:00:00.000Z']);
    expect(w('1M')).toEqual(['2027-03-01T00:00:00.000Z', '2027-04-01T00:00:00.000Z']);
    expect(w('1Y')).toEqual(['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
    expect(w('1h')).toEqual(['2027-03-17T15:00:00.000Z', '2027-03-17T16:00:00.000Z']);
    const feb = currentWindow(parseWindow('1M', true)!, 0, at('2028-02-29T12:00:00Z'));
    expect([iso(feb.start), iso(feb.end)]).toEqual(['2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z']);
  });

  it('rolling: periods anchored at the window start; 1M keeps the day of month, clamped', () => {
    const anchor = at('2027-01-31T10:00:00Z');
    const roll = (text: string, now: string) => iso(currentWindow(parseWindow(text)!, anchor, at(now)).start);
    expect(roll('1d', '2027-02-02T09:00:00Z')).toBe('2027-02-01T10:00:00.000Z');
    expect(roll('30s', '2027-01-31T10:01:10Z')).toBe('2027-01-31T10:01:00.000Z');
    expect(roll('1M', '2027-02-27T00:00:00Z')).toBe('2027-01-31T10:00:00.000Z');
    expect(roll('1M', '2027-02-28T10:00:00Z')).toBe('2027-02-28T10:00:00.000Z');
    expect(roll('1M', '2027-03-30T00:00:00Z')).toBe('2027-03-28T10:00:00.000Z');
  });
});

describe('a monthly calendar budget created on January 31', () => {
  let mock: UsageMock;
  let stack: Stack;
  let now = at('2027-01-31T10:00:00Z');

  beforeAll(async () => {
    mock = await startUsageMock();
    stack = await startStack(
      {
        providers: {
          openai: {
            keys: [{ name: 'k', value: 'sk', models: ['*'] }],
            network_config: { base_url: mock.url },
          },
        },
        governance: {
          budgets: [{ id: 'monthly', max_limit: 0.001, reset_duration: '1M', calendar_aligned: true }],
          virtual_keys: [
            { id: 'vk-m', name: 'm', value: 'vk-monthly-secret-value-0001', budget_id: 'monthly' },
          ],
        },
      },
      { now: () => now },
    );
  });

  afterAll(async () => {
    await stack?.close();
    await mock?.close();
  });

  /** Requests (each 400 µ$) until refused; returns how many were served. */
  async function spendUntilRefused(): Promise<number> {
    for (let served = 0; served < 10; served++) {
      const reply = await post(
        stack.url,
        {
          model: 'openai/gpt-4o',
          messages: [{ role: 'user', content: 'hi' }],
          mock: { prompt_tokens: 0, completion_tokens: 40 },
        },
        { 'x-bf-vk': 'vk-monthly-secret-value-0001' },
      );
      if (reply.status === 402) return served;
      expect(reply.status).toBe(200);
    }
    return 10;
  }

  it('resets on February 1 and on March 1', async () => {
    expect(await spendUntilRefused()).toBe(3);
    now = at('2027-01-31T23:59:59Z');
    expect(await spendUntilRefused()).toBe(0);
    now = at('2027-02-01T00:00:01Z');
    expect(await spendUntilRefused()).toBe(3);
    now = at('2027-02-28T23:59:59Z');
    expect(await spendUntilRefused()).toBe(0);
    now = at('2027-03-01T00:00:00Z');
    expect(await spendUntilRefused()).toBe(3);
    await stack.settle();
    const check = await stack.service.reconcile('monthly');
    expect(check.ok, JSON.stringify(check)).toBe(true);
    expect(check.ledger.settled).toBe(1200);
  });
});
