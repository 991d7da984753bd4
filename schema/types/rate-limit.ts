/** RateLimit: request and token caps per window, with the counters of the current windows. */
import { rateLimit as rateLimitSchema } from '../../db/config/governance.ts';
import { rateLimitInput } from '../../db/reconcile/from-config.ts';
import {
  createRateLimit,
  deleteRateLimit,
  getRateLimit,
  listRateLimits,
  updateRateLimit,
  type RateLimitRecord,
} from '../../db/index.ts';
import { compact } from '../../db/live/config.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { inKeyOrder } from '../loaders.ts';
import { windowEnd } from '../windows.ts';

const remaining = (max: number | null, used: number) => (max === null ? null : Math.max(0, max - used));

export const RateLimitRef = builder.loadableNode('RateLimit', {
  description: 'Caps on requests and tokens per window; counters are those of the current windows.',
  id: { resolve: (r) => r.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listRateLimits(ctx.database, { ids }), (r) => r.id, 'RateLimit'),
  fields: (t) => ({
    id: t.exposeID('id'),
    tokenMaxLimit: t.field({ type: 'BigInt', nullable: true, resolve: (r) => r.tokenMaxLimit }),
    tokenResetDuration: t.exposeString('tokenResetDuration', { nullable: true }),
    tokenCurrentUsage: t.field({ type: 'BigInt', resolve: (r) => r.tokenCurrentUsage }),
    tokenRemaining: t.field({
      type: 'BigInt',
      nullable: true,
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
    requestCurrentUsage: t.field({ type: 'BigInt', resolve: (r) => r.requestCurrentUsage }),
    requestRemaining: t.field({
      type: 'BigInt',
      nullable: true,
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
  toConfig: (r) =>
    compact({
      id: r.id,
      token_max_limit: r.tokenMaxLimit,
      token_reset_duration: r.tokenResetDuration,
      request_max_limit: r.requestMaxLimit,
      request_reset_duration: r.requestResetDuration,
    }),
  get: (db, _ctx, id) => getRateLimit(db, id),
  create: (db, _ctx, shape) => createRateLimit(db, rateLimitInput(shape)),
  update: (db, _ctx, id, shape) => {
    const { id: _id, ...patch } = rateLimitInput(shape);
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
    resolve: async (_root, args, ctx) => (await getRateLimit(ctx.database, String(args.id))) ?? null,
  }),
  rateLimits: t.connection({
    type: RateLimitRef,
    args: { filter: t.arg({ type: RateLimitFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const ids = args.filter?.ids?.map(String) ?? undefined;
      const rows = (await listRateLimits(ctx.database, { ids })).filter((r) =>
        matchesSearch(args.filter?.search, r.id),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
}));
