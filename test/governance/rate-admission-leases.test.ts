/**
 * Rate-limit leases, holder by holder, on the in-memory counter table (the single-node
 * counterpart of the database's and Redis's grants): callers an empty lease cannot serve share
 * one ask; a caller is refused only when the counter has no room; while other holders may still
 * hand back spare units, a refused caller keeps asking and gets them.
 */
import { describe, expect, it } from 'vitest';
import type { GovernanceChannel, LeaseRequest } from '../../clients/contract/governance.ts';
import { MeterTable } from '../../clients/contract/meter-table.ts';
import { parseWindow } from '../../clients/contract/windows.ts';
import { RateAccount } from '../../gateway/governance/rate-account.ts';

const LIMIT = 20;

function counter(limit = LIMIT) {
  const now = Date.parse('2027-05-05T12:00:00Z');
  const table = new MeterTable(() => now);
  table.configure('requests', 'rl', limit, parseWindow('1m'));
  const asks: LeaseRequest[] = [];
  const channel: GovernanceChannel = {
    acquireLease(request) {
      asks.push(request);
      return Promise.resolve(table.grant(request));
    },
    reportUsage: () => Promise.resolve(),
    writeRequestLogs: () => Promise.resolve(),
  };
  const holder = (name: string) =>
    new RateAccount('requests', 'rl', limit, {
      channel,
      holder: name,
      now: () => now,
      // Hand-backs reach the counter at once (a gateway sends them in its next usage report).
      release: (account, amount) =>
        table.returnRate({ kind: 'requests', id: 'rl', amount, windowStart: account.info!.windowStart }),
      flushSoon: () => undefined,
      flush: () => Promise.resolve(),
    });
  const used = () => table.get('requests', 'rl')!.used;
  return { asks, holder, used };
}

const admitted = async (answers: Array<boolean | Promise<boolean>>) =>
  (await Promise.all(answers)).filter(Boolean).length;

/** What a 429 from this account would say remains (as charges.ts computes it). */
const remaining = (account: RateAccount) =>
  Math.max(0, account.info!.limit - account.info!.used) + account.free;

/** Polls `probe` (which may act, e.g. hand a spare back) until it reports success. */
async function until(probe: () => boolean): Promise<void> {
  let done = probe();
  for (let i = 0; i < 200 && !done; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    done = probe();
  }
  expect(done).toBe(true);
}

describe('request units on a lease', () => {
  it('admits every concurrent caller an empty lease cannot serve, through coalesced asks', async () => {
    const { asks, holder, used } = counter();
    const a = holder('a');
    expect(await admitted(Array.from({ length: LIMIT }, () => a.reserve(1)))).toBe(LIMIT);
    // The first caller's ask, then one for everyone who queued behind it.
    expect(asks.length).toBeLessThanOrEqual(2);
    expect(used()).toBe(LIMIT);
    expect(await a.reserve(1)).toBe(false);
    expect(remaining(a)).toBe(0);
  });

  it('refuses without waiting when every counted unit is its own', async () => {
    const { asks, holder } = counter();
    const a = holder('a');
    expect(await admitted(Array.from({ length: LIMIT }, () => a.reserve(1)))).toBe(LIMIT);
    const before = asks.length;
    expect(await a.reserve(1)).toBe(false);
    // One ask answered "no room", and nobody else could hand units back: no retries.
    expect(asks.length - before).toBe(1);
  });

  it("waits for another holder's spare rather than refusing, and is then admitted", async () => {
    const { holder, used } = counter();
    const a = holder('a');
    // a's second ask carries a spare sized by what it took since its first: one unit.
    expect(await a.reserve(1)).toBe(true);
    expect(await a.reserve(1)).toBe(true);
    expect(a.free).toBe(1);
    const b = holder('b');
    expect(await admitted(Array.from({ length: LIMIT - 3 }, () => b.reserve(1)))).toBe(LIMIT - 3);
    expect(used()).toBe(LIMIT);

    // The counter is full, but one of its units is a's unused spare: b's caller waits for it.
    const waiting = b.reserve(1);
    await until(() => a.returnIdleSpare());
    expect(await waiting).toBe(true);
    expect(used()).toBe(LIMIT);

    // Now every unit is spent: after its wait finds nothing, b refuses, saying 0 remain.
    expect(await b.reserve(1)).toBe(false);
    expect(remaining(b)).toBe(0);
    expect(await a.reserve(1)).toBe(false);
    expect(remaining(a)).toBe(0);
  });

  it('grows its lease with demand: steady traffic asks the control plane a handful of times', async () => {
    // 10,000 requests one after another, far below the limit (its 5 % spare cap never binds).
    const { asks, holder, used } = counter(1_000_000);
    const a = holder('a');
    for (let i = 0; i < 10_000; i++) expect(await a.reserve(1)).toBe(true);
    expect(used()).toBeGreaterThanOrEqual(10_000);
    // A spare of what the last two ask intervals took grows the lease geometrically (~20 asks);
    // a spare of the last interval alone grew it by about one unit per ask (~√(2n) ≈ 140 asks).
    expect(asks.length).toBeLessThan(40);
  });
});
