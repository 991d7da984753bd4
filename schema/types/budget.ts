/**
 * Budget: a spending cap in USD over a reset window. Money is exposed twice: as Float dollars
 * for display and as an exact `…Micros` BigInt (integer micro-dollars, what is stored) for
 * anything that adds amounts up.
 */
import {
  budgetFromConfig,
  budgetSchema,
  budgetToConfig,
  createBudget,
  deleteBudget,
  getBudget,
  listBudgets,
  microsToDollars,
  updateBudget,
  type BudgetRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows, within } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { inKeyOrder } from '../loaders.ts';
import { resetsAt } from '../../clients/contract/windows.ts';

export const BudgetMode = builder.enumType('BudgetMode', {
  values: {
    SOFT: { value: 'soft', description: 'Refuse once usage has reached the limit (Bifrost semantics).' },
    STRICT: {
      value: 'strict',
      description: "Reserve each request's worst-case cost up front; never overshoot.",
    },
  } as const,
});

/** Rows with the live counters laid over them (see Context.budgetCounters). */
export async function withLiveCounters(ctx: Context, rows: BudgetRecord[]): Promise<BudgetRecord[]> {
  const live = ctx.budgetCounters;
  if (!live) return rows;
  return Promise.all(
    rows.map(async (row) => {
      const counters = await live(row.id);
      return counters
        ? {
            ...row,
            currentUsageMicros: counters.used,
            reservedMicros: counters.reserved,
            windowStart: counters.windowStart,
          }
        : row;
    }),
  );
}

export async function loadBudget(ctx: Context, id: string): Promise<BudgetRecord | undefined> {
  const row = await getBudget(ctx.database, id);
  return row && (await withLiveCounters(ctx, [row]))[0];
}

export const remainingMicros = (b: BudgetRecord) =>
  Math.max(0, b.maxLimitMicros - b.currentUsageMicros - b.reservedMicros);

export const BudgetRef = builder.loadableNode('Budget', {
  description: 'A spending cap in USD that resets every `resetDuration`.',
  id: { resolve: (b) => b.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(
      ids,
      await withLiveCounters(ctx, await listBudgets(ctx.database, { ids })),
      (b) => b.id,
      'Budget',
    ),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The user-chosen id, e.g. `budget-dev`.' }),
    maxLimit: t.float({ description: 'Limit in USD.', resolve: (b) => microsToDollars(b.maxLimitMicros) }),
    maxLimitMicros: t.field({ type: 'BigInt', resolve: (b) => b.maxLimitMicros }),
    currentUsage: t.float({
      description: 'Settled spend in the current window, USD.',
      resolve: (b) => microsToDollars(b.currentUsageMicros),
    }),
    currentUsageMicros: t.field({ type: 'BigInt', resolve: (b) => b.currentUsageMicros }),
    reserved: t.float({
      description: 'Outstanding reservations and leases, USD.',
      resolve: (b) => microsToDollars(b.reservedMicros),
    }),
    reservedMicros: t.field({ type: 'BigInt', resolve: (b) => b.reservedMicros }),
    remaining: t.float({
      description: 'limit − usage − reserved, never negative.',
      resolve: (b) => microsToDollars(remainingMicros(b)),
    }),
    remainingMicros: t.field({ type: 'BigInt', resolve: (b) => remainingMicros(b) }),
    exhausted: t.boolean({ resolve: (b) => b.currentUsageMicros >= b.maxLimitMicros }),
    resetDuration: t.exposeString('resetDuration'),
    calendarAligned: t.exposeBoolean('calendarAligned'),
    mode: t.field({ type: BudgetMode, resolve: (b) => b.mode }),
    windowStart: t.field({ type: 'DateTime', resolve: (b) => b.windowStart }),
    // Calendar-aligned budgets reset on the next UTC boundary even in their first window, which
    // starts at creation: the same window math the counter stores use, never creation + duration.
    windowEnd: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (b) => resetsAt(b.windowStart, b.resetDuration, b.calendarAligned, Date.now()),
    }),
    resetsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When usage next returns to zero.',
      resolve: (b) => resetsAt(b.windowStart, b.resetDuration, b.calendarAligned, Date.now()),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (b) => b.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (b) => b.updatedAt }),
  }),
});

export const budgetKit: EntityKit<ReturnType<typeof budgetSchema.parse>, BudgetRecord> = {
  kind: 'Budget',
  schema: budgetSchema,
  idOf: (b) => b.id,
  fromInput(raw) {
    const { max_limit_micros: micros, ...rest } = raw;
    return micros === undefined ? rest : { ...rest, max_limit: microsToDollars(Number(micros)) };
  },
  toConfig: budgetToConfig,
  get: (db, _ctx, id) => getBudget(db, id),
  create: (db, _ctx, shape) => createBudget(db, budgetFromConfig(shape)),
  update: (db, _ctx, id, shape) => {
    const { id: _id, ...patch } = budgetFromConfig(shape);
    return updateBudget(db, id, patch);
  },
  remove: deleteBudget,
};

const fields = {
  maxLimit: 'Limit in USD (or give maxLimitMicros).',
  maxLimitMicros: 'Limit in integer micro-dollars; wins over maxLimit.',
};

const BudgetInput = builder.inputType('BudgetInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    maxLimit: t.float({ description: fields.maxLimit }),
    maxLimitMicros: t.field({ type: 'BigInt', description: fields.maxLimitMicros }),
    resetDuration: t.string({ required: true, description: '`30s 5m 1h 1d 1w 1M 1Y` (and multiples).' }),
    calendarAligned: t.boolean(),
    mode: t.field({ type: BudgetMode }),
  }),
});

const BudgetPatch = builder.inputType('BudgetPatch', {
  fields: (t) => ({
    maxLimit: t.float({ description: fields.maxLimit }),
    maxLimitMicros: t.field({ type: 'BigInt', description: fields.maxLimitMicros }),
    resetDuration: t.string(),
    calendarAligned: t.boolean(),
    mode: t.field({ type: BudgetMode }),
  }),
});

defineEntityMutations({ kit: budgetKit, ref: BudgetRef, input: BudgetInput, patch: BudgetPatch });

const BudgetFilter = builder.inputType('BudgetFilter', {
  fields: (t) => ({
    ids: t.idList(),
    search: t.string({ description: 'Substring of the id.' }),
    mode: t.field({ type: BudgetMode }),
    exhausted: t.boolean(),
  }),
});

const order = orderInput<BudgetRecord>('Budget', {
  ID: (b) => b.id,
  MAX_LIMIT: (b) => b.maxLimitMicros,
  CURRENT_USAGE: (b) => b.currentUsageMicros,
  REMAINING: remainingMicros,
  CREATED_AT: (b) => b.createdAt,
});

builder.queryFields((t) => ({
  budget: t.field({
    type: BudgetRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await loadBudget(ctx, String(args.id))) ?? null,
  }),
  budgets: t.connection({
    type: BudgetRef,
    args: { filter: t.arg({ type: BudgetFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const f = args.filter;
      const all = await withLiveCounters(
        ctx,
        await listBudgets(ctx.database, { ids: f?.ids?.map(String) ?? undefined }),
      );
      const rows = all.filter(
        (b) =>
          matchesSearch(f?.search, b.id) &&
          within(f?.mode ? [f.mode] : null, b.mode) &&
          (f?.exhausted == null || f.exhausted === b.currentUsageMicros >= b.maxLimitMicros),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
}));
