/**
 * Spend over time for charts (`usage`), "which budget binds" for one virtual key
 * (`budgetStatus`), and live budget and rate-limit counters (`budgetUpdated`,
 * `rateLimitUpdated`), coalesced by the publisher to at most ~10 events a second per budget or
 * rate limit.
 */
import { filter, pipe } from 'graphql-yoga';
import {
  getCustomer,
  getTeam,
  getVirtualKey,
  listBudgets,
  listTeams,
  listVirtualKeys,
  microsToDollars,
  usageSeries,
  type BudgetRecord,
  type UsageRow,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { ValidationError } from '../errors.ts';
import type { BudgetUpdatedEvent, RateLimitUpdatedEvent } from '../pubsub.ts';
import { BudgetRef, loadBudget, remainingMicros, withLiveCounters } from './budget.ts';
import { loadRateLimit, RateLimitRef } from './rate-limit.ts';
import { RequestLogFilter, toSearch } from './request-log.ts';

const UsageDimension = builder.enumType('UsageDimension', {
  values: ['HOUR', 'DAY', 'MODEL', 'PROVIDER', 'VIRTUAL_KEY', 'TEAM', 'CUSTOMER'] as const,
});

const TimeRange = builder.inputType('TimeRange', {
  fields: (t) => ({
    from: t.field({ type: 'DateTime', required: true, description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', required: true, description: 'Exclusive.' }),
  }),
});

const UsagePointRef = builder.objectRef<UsageRow>('UsagePoint').implement({
  description: 'Traffic and spend of one group; dimensions not grouped by are null.',
  fields: (t) => ({
    bucketStart: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.bucketStart }),
    provider: t.exposeString('provider', { nullable: true }),
    model: t.exposeString('model', { nullable: true }),
    virtualKeyId: t.exposeID('virtualKeyId', { nullable: true }),
    teamId: t.exposeID('teamId', { nullable: true }),
    customerId: t.exposeID('customerId', { nullable: true }),
    requests: t.exposeInt('requests'),
    errors: t.exposeInt('errors'),
    inputTokens: t.field({ type: 'BigInt', resolve: (r) => r.inputTokens }),
    outputTokens: t.field({ type: 'BigInt', resolve: (r) => r.outputTokens }),
    cost: t.float({ resolve: (r) => microsToDollars(r.costMicros) }),
    costMicros: t.field({ type: 'BigInt', resolve: (r) => r.costMicros }),
    unpricedRequests: t.exposeInt('unpricedRequests'),
  }),
});

builder.queryField('usage', (t) =>
  t.field({
    type: [UsagePointRef],
    description:
      'Requests, tokens and cost grouped by UTC hour or day and/or by model, provider, key, team, customer.',
    args: {
      range: t.arg({ type: TimeRange, required: true }),
      groupBy: t.arg({ type: [UsageDimension], required: true }),
      filter: t.arg({ type: RequestLogFilter }),
    },
    resolve: (_root, args, ctx) => {
      if (args.groupBy.includes('HOUR') && args.groupBy.includes('DAY')) {
        throw new ValidationError([{ path: 'groupBy', message: 'group by HOUR or DAY, not both' }]);
      }
      const search = { ...toSearch(args.filter), from: args.range.from, to: args.range.to };
      return usageSeries(ctx.database, search, args.groupBy);
    },
  }),
);

const BudgetLevel = builder.enumType('BudgetLevel', {
  values: ['VIRTUAL_KEY', 'PROVIDER_CONFIG', 'TEAM', 'CUSTOMER'] as const,
});

interface LevelStatus {
  level: 'VIRTUAL_KEY' | 'PROVIDER_CONFIG' | 'TEAM' | 'CUSTOMER';
  ownerId: string;
  provider: string | null;
  budget: BudgetRecord;
}

const BudgetLevelStatusRef = builder.objectRef<LevelStatus>('BudgetLevelStatus').implement({
  fields: (t) => ({
    level: t.field({ type: BudgetLevel, resolve: (s) => s.level }),
    ownerId: t.exposeID('ownerId', { description: 'The key, team or customer the budget is attached to.' }),
    provider: t.exposeString('provider', {
      nullable: true,
      description: 'For PROVIDER_CONFIG: which provider.',
    }),
    budget: t.field({ type: BudgetRef, resolve: (s) => s.budget }),
    exhausted: t.boolean({ resolve: (s) => s.budget.currentUsageMicros >= s.budget.maxLimitMicros }),
  }),
});

interface BudgetStatus {
  virtualKeyId: string;
  levels: LevelStatus[];
}

const BudgetStatusRef = builder.objectRef<BudgetStatus>('BudgetStatus').implement({
  description: 'The budgets a request with this key is checked against, and which one binds.',
  fields: (t) => ({
    virtualKeyId: t.exposeID('virtualKeyId'),
    levels: t.field({ type: [BudgetLevelStatusRef], resolve: (s) => s.levels }),
    binding: t.field({
      type: BudgetLevelStatusRef,
      nullable: true,
      description:
        'The budget with the least remaining (an exhausted one first); null when no budget applies.',
      resolve: (s) =>
        [...s.levels].sort((a, b) => remainingMicros(a.budget) - remainingMicros(b.budget))[0] ?? null,
    }),
    allowed: t.boolean({
      description: 'False when any budget on the path is exhausted (the request would get 402).',
      resolve: (s) => s.levels.every((l) => l.budget.currentUsageMicros < l.budget.maxLimitMicros),
    }),
  }),
});

async function budgetPath(ctx: Context, virtualKeyId: string): Promise<BudgetStatus | null> {
  const db = ctx.database;
  const vk = await getVirtualKey(db, virtualKeyId);
  if (!vk) return null;
  const team = vk.teamId ? await getTeam(db, vk.teamId) : undefined;
  const customerId = vk.customerId ?? team?.customerId ?? null;
  const customer = customerId ? await getCustomer(db, customerId) : undefined;
  const wanted: Array<Omit<LevelStatus, 'budget'> & { budgetId: string | null }> = [
    { level: 'VIRTUAL_KEY', ownerId: vk.id, provider: null, budgetId: vk.budgetId },
    ...vk.providerConfigs.map((pc) => ({
      level: 'PROVIDER_CONFIG' as const,
      ownerId: vk.id,
      provider: pc.provider,
      budgetId: pc.budgetId,
    })),
    { level: 'TEAM', ownerId: team?.id ?? '', provider: null, budgetId: team?.budgetId ?? null },
    { level: 'CUSTOMER', ownerId: customer?.id ?? '', provider: null, budgetId: customer?.budgetId ?? null },
  ];
  const ids = wanted.flatMap((w) => (w.budgetId ? [w.budgetId] : []));
  const budgets = new Map(
    (await withLiveCounters(ctx, await listBudgets(db, { ids }))).map((b) => [b.id, b]),
  );
  const levels = wanted.flatMap(({ budgetId, ...rest }) => {
    const budget = budgetId ? budgets.get(budgetId) : undefined;
    return budget ? [{ ...rest, budget }] : [];
  });
  return { virtualKeyId, levels };
}

builder.queryField('budgetStatus', (t) =>
  t.field({
    type: BudgetStatusRef,
    nullable: true,
    description: 'Budgets along virtual key → provider config → team → customer for one key.',
    args: { virtualKeyId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => budgetPath(ctx, String(args.virtualKeyId)),
  }),
);

/** Budget ids an owner's dashboard cares about: its own and those below it. */
async function budgetsOf(
  ctx: Context,
  args: { id?: unknown; virtualKeyId?: unknown; teamId?: unknown; customerId?: unknown },
): Promise<Set<string>> {
  if (args.id != null) return new Set([String(args.id)]);
  const ids = new Set<string>();
  const db = ctx.database;
  const add = (id: string | null | undefined) => id && ids.add(id);
  if (args.virtualKeyId != null) {
    for (const level of (await budgetPath(ctx, String(args.virtualKeyId)))?.levels ?? [])
      add(level.budget.id);
    return ids;
  }
  const teamIds =
    args.teamId != null
      ? [String(args.teamId)]
      : (await listTeams(db, { customerIds: [String(args.customerId)] })).map((t) => t.id);
  if (args.customerId != null) add((await getCustomer(db, String(args.customerId)))?.budgetId);
  for (const team of await listTeams(db, { ids: teamIds })) add(team.budgetId);
  const keys = [
    ...(await listVirtualKeys(db, { teamIds })),
    ...(args.customerId != null ? await listVirtualKeys(db, { customerIds: [String(args.customerId)] }) : []),
  ];
  for (const vk of keys) {
    add(vk.budgetId);
    for (const pc of vk.providerConfigs) add(pc.budgetId);
  }
  return ids;
}

builder.subscriptionFields((t) => ({
  budgetUpdated: t.field({
    type: BudgetRef,
    description:
      'Live counters (usage, reserved, remaining) of one budget (`id`), or of every budget on a key’s path or under a team or customer. At most ~10 events a second per budget.',
    args: { id: t.arg.id(), virtualKeyId: t.arg.id(), teamId: t.arg.id(), customerId: t.arg.id() },
    subscribe: async (_root, args, ctx) => {
      const given = [args.id, args.virtualKeyId, args.teamId, args.customerId].filter(
        (v) => v != null,
      ).length;
      if (given !== 1)
        throw new ValidationError([
          { path: 'id', message: 'give exactly one of id, virtualKeyId, teamId, customerId' },
        ]);
      const ids = await budgetsOf(ctx, args);
      return pipe(
        ctx.pubsub.subscribe('budgetUpdated'),
        filter((e: BudgetUpdatedEvent) => ids.has(e.budgetId)),
      );
    },
    // Fresh counters, not the per-connection DataLoader cache.
    resolve: async (event, _args, ctx) => (await loadBudget(ctx, event.budgetId)) ?? event.budgetId,
  }),
  rateLimitUpdated: t.field({
    type: RateLimitRef,
    description:
      'Live counters of one rate limit, sent when the control plane’s counters move: a gateway leased request or token units (they count as used from the grant) or handed unused ones back. At most ~10 events a second per rate limit.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) =>
      pipe(
        ctx.pubsub.subscribe('rateLimitUpdated'),
        filter((e: RateLimitUpdatedEvent) => e.rateLimitId === String(args.id)),
      ),
    // Fresh live counters, not the per-connection DataLoader cache.
    resolve: async (event, _args, ctx) => (await loadRateLimit(ctx, event.rateLimitId)) ?? event.rateLimitId,
  }),
}));
