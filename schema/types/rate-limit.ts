/**
 * RateLimit: request and token caps per window, with the counters of the current windows. The
 * counters are the control plane's: units leased to gateways count as used from the grant (a
 * gateway spends its lease locally and hands back what it did not use), so they can run ahead
 * of the requests actually served by up to one lease per gateway. Live counters (in memory on
 * SQLite, Redis) are laid over the database row, and a window that has ended reads as the new,
 * empty one.
 */
import {
  createRateLimit,
  deleteRateLimit,
  getRateLimit,
  listRateLimits,
  rateLimitFromConfig,
  rateLimitSchema,
  rateLimitToConfig,
  updateRateLimit,
  type RateLimitRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type { RateWindowCounters } from '../../clients/contract/rate-counters.ts';
import { matchesSearch, orderInput, pageRows } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { inKeyOrder } from '../loaders.ts';
import { currentWindow, parseWindow } from '../../clients/contract/windows.ts';
import { windowEnd } from '../../clients/contract/windows.ts';

const remaining = (max: number | null, used: number) => (max === null ? null : Math.max(0, max - used));

/** The start of the (rolling) window in force at `now` for one that began at `start`. */
function currentStart(start: number, resetDuration: string | null, now: number): number {
  const spec = parseWindow(resetDuration ?? undefined);
  return spec ? currentWindow(spec, start, now).start : start;
}

/** Counters of one window: the live ones when known, else the row's; empty once the window ended. */
function windowCounters(
  stored: RateWindowCounters,
  live: RateWindowCounters | undefined,
  resetDuration: string | null,
  now: number,
): RateWindowCounters {
  const seen = live ?? stored;
  const start = currentStart(seen.windowStart, resetDuration, now);
  return start > seen.windowStart ? { used: 0, windowStart: start } : seen;
}

/** Rows with the live counters laid over them (see Context.rateLimitCounters) and ended windows rolled. */
export async function withLiveRateCounters(
  ctx: Context,
  rows: RateLimitRecord[],
  now = Date.now(),
): Promise<RateLimitRecord[]> {
  const live = ctx.rateLimitCounters;
  return Promise.all(
    rows.map(async (row) => {
      const counters = live ? await live(row.id) : undefined;
      const requests = windowCounters(
        { used: row.requestCurrentUsage, windowStart: row.requestWindowStart },
        counters?.requests,
        row.requestResetDuration,
        now,
      );
      const tokens = windowCounters(
        { used: row.tokenCurrentUsage, windowStart: row.tokenWindowStart },
        counters?.tokens,
        row.tokenResetDuration,
        now,
      );
      return {
        ...row,
        requestCurrentUsage: requests.used,
        requestWindowStart: requests.windowStart,
        tokenCurrentUsage: tokens.used,
        tokenWindowStart: tokens.windowStart,
      };
    }),
  );
}

export async function loadRateLimit(ctx: Context, id: string): Promise<RateLimitRecord | undefined> {
  const row = await getRateLimit(ctx.database, id);
  return row && (await withLiveRateCounters(ctx, [row]))[0];
}

export const RateLimitRef = builder.loadableNode('RateLimit', {
  description:
    'Caps on requests and tokens per window; counters are those of the current windows as the control plane counts them: units leased to gateways count as used from the moment they are granted (unused ones are handed back later), so usage can run ahead of the requests served by up to one lease per gateway.',
  id: { resolve: (r) => r.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(
      ids,
      await withLiveRateCounters(ctx, await listRateLimits(ctx.database, { ids })),
      (r) => r.id,
      'RateLimit',
    ),
  fields: (t) => ({
    id: t.exposeID('id'),
    tokenMaxLimit: t.field({ type: 'BigInt', nullable: true, resolve: (r) => r.tokenMaxLimit }),
    tokenResetDuration: t.exposeString('tokenResetDuration', { nullable: true }),
    tokenCurrentUsage: t.field({
      type: 'BigInt',
      description:
        'Tokens counted in the current window, including tokens leased to gateways and not yet used.',
      resolve: (r) => r.tokenCurrentUsage,
    }),
    tokenRemaining: t.field({
      type: 'BigInt',
      nullable: true,
      description: 'tokenMaxLimit − tokenCurrentUsage, never negative; null without a token limit.',
      resolve: (r) => remaining(r.tokenMaxLimit, r.tokenCurrentUsage),
    }),
    tokenWindowStart: t.field({ type: 'DateTime', resolve: (r) => r.tokenWindowStart }),
    tokenResetsAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (r) => windowEnd(r.tokenWindowStart, r.tokenResetDuration),
    }),
    requestMaxLimit: t.field({ type: 'BigInt', nullable: true, resolve: (r) => r.requestMaxLimit }),
    requestResetDuration: t.exposeString('requestResetDuration', { nullable: true }),
    requestCurrentUsage: t.field({
      type: 'BigInt',
      description:
        'Requests counted in the current window, including requests leased to gateways and not yet used.',
      resolve: (r) => r.requestCurrentUsage,
    }),
    requestRemaining: t.field({
      type: 'BigInt',
      nullable: true,
      description: 'requestMaxLimit − requestCurrentUsage, never negative; null without a request limit.',
      resolve: (r) => remaining(r.requestMaxLimit, r.requestCurrentUsage),
    }),
    requestWindowStart: t.field({ type: 'DateTime', resolve: (r) => r.requestWindowStart }),
    requestResetsAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (r) => windowEnd(r.requestWindowStart, r.requestResetDuration),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (r) => r.updatedAt }),
  }),
});

export const rateLimitKit: EntityKit<ReturnType<typeof rateLimitSchema.parse>, RateLimitRecord> = {
  kind: 'RateLimit',
  schema: rateLimitSchema,
  idOf: (r) => r.id,
  toConfig: rateLimitToConfig,
  get: (db, _ctx, id) => getRateLimit(db, id),
  create: (db, _ctx, shape) => createRateLimit(db, rateLimitFromConfig(shape)),
  update: (db, _ctx, id, shape) => {
    const { id: _id, ...patch } = rateLimitFromConfig(shape);
    return updateRateLimit(db, id, patch);
  },
  remove: deleteRateLimit,
};

const RateLimitInput = builder.inputType('RateLimitInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    tokenMaxLimit: t.field({ type: 'BigInt' }),
    tokenResetDuration: t.string(),
    requestMaxLimit: t.field({ type: 'BigInt' }),
    requestResetDuration: t.string(),
  }),
});

const RateLimitPatch = builder.inputType('RateLimitPatch', {
  fields: (t) => ({
    tokenMaxLimit: t.field({ type: 'BigInt' }),
    tokenResetDuration: t.string(),
    requestMaxLimit: t.field({ type: 'BigInt' }),
    requestResetDuration: t.string(),
  }),
});

defineEntityMutations({ kit: rateLimitKit, ref: RateLimitRef, input: RateLimitInput, patch: RateLimitPatch });

const RateLimitFilter = builder.inputType('RateLimitFilter', {
  fields: (t) => ({ ids: t.idList(), search: t.string({ description: 'Substring of the id.' }) }),
});

const order = orderInput<RateLimitRecord>('RateLimit', {
  ID: (r) => r.id,
  TOKEN_CURRENT_USAGE: (r) => r.tokenCurrentUsage,
  REQUEST_CURRENT_USAGE: (r) => r.requestCurrentUsage,
  CREATED_AT: (r) => r.createdAt,
});

builder.queryFields((t) => ({
  rateLimit: t.field({
    type: RateLimitRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await loadRateLimit(ctx, String(args.id))) ?? null,
  }),
  rateLimits: t.connection({
    type: RateLimitRef,
    args: { filter: t.arg({ type: RateLimitFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const ids = args.filter?.ids?.map(String) ?? undefined;
      const rows = (await withLiveRateCounters(ctx, await listRateLimits(ctx.database, { ids }))).filter(
        (r) => matchesSearch(args.filter?.search, r.id),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
}));
