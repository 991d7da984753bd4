/**
 * The credential cache behind the workload identities (RefreshAhead): one mint shared by
 * concurrent callers, a failed mint not kept, a value served until the margin before its expiry,
 * and no background renewal loop for credentials too short-lived to renew ahead.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefreshAhead } from '../../gateway/providers/refresh-ahead.ts';

const MINUTE = 60_000;
let cache: RefreshAhead<{ value: number; expiresAt?: number }> | undefined;

afterEach(() => {
  cache?.clear();
  vi.useRealTimers();
});

describe('RefreshAhead', () => {
  it('shares one mint between concurrent callers and serves it until the margin', async () => {
    cache = new RefreshAhead(5 * MINUTE, 5 * MINUTE);
    let mints = 0;
    const mint = () => Promise.resolve({ value: ++mints, expiresAt: Date.now() + 60 * MINUTE });
    const values = await Promise.all([cache.get('id', mint), cache.get('id', mint), cache.get('id', mint)]);
    expect(values.map((v) => v.value)).toEqual([1, 1, 1]);
    expect((await cache.get('id', mint)).value).toBe(1);
    expect(mints).toBe(1);
  });

  it('does not keep a failed mint: the next call tries again', async () => {
    cache = new RefreshAhead(5 * MINUTE, 5 * MINUTE);
    await expect(cache.get('id', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect((await cache.get('id', () => Promise.resolve({ value: 7 }))).value).toBe(7);
  });

  it('renews ahead of the margin in the background, and keeps the old value if that fails', async () => {
    vi.useFakeTimers();
    cache = new RefreshAhead(5 * MINUTE, 5 * MINUTE);
    let mints = 0;
    let fail = false;
    const mint = () =>
      fail
        ? Promise.reject(new Error('down'))
        : Promise.resolve({ value: ++mints, expiresAt: Date.now() + 60 * MINUTE });
    expect((await cache.get('id', mint)).value).toBe(1);
    await vi.advanceTimersByTimeAsync(50 * MINUTE + 1);
    expect(mints).toBe(2);
    expect((await cache.get('id', mint)).value).toBe(2);
    fail = true;
    await vi.advanceTimersByTimeAsync(50 * MINUTE + 1);
    expect((await cache.get('id', mint)).value).toBe(2);
  });

  it('does not loop on credentials too short-lived to renew ahead: each request past the margin mints', async () => {
    vi.useFakeTimers();
    cache = new RefreshAhead(5 * MINUTE, 5 * MINUTE);
    let mints = 0;
    const mint = () => Promise.resolve({ value: ++mints, expiresAt: Date.now() + 2 * MINUTE });
    await cache.get('id', mint);
    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    expect(mints).toBe(1);
    expect((await cache.get('id', mint)).value).toBe(2);
  });
});
