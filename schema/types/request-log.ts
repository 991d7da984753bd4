/**
 * RequestLog: one row per inference request. Searchable with Bifrost's filters, newest first
 * with keyset cursors (logs are large; offsets would slow down with depth), plus aggregate
 * stats over the same filter and a live tail (`requestLogged`) and spend feed (`spendUpdated`).
 */
import {
  listRequestLogsByIds,
  microsToDollars,
  requestLogStats,
  searchRequestLogs,
  type RequestLogRecord,
  type RequestLogSearch,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { checkPageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../connection.ts';
import { inKeyOrder } from '../loaders.ts';
import type { SpendEvent } from '../pubsub.ts';
import { ProviderRef } from './provider.ts';
import { TeamRef } from './team.ts';
import { CustomerRef } from './customer.ts';
import { VirtualKeyRef } from './virtual-key.ts';
import { ValidationError } from '../errors.ts';

export const RequestStatus = builder.enumType('RequestStatus', {
  values: { SUCCESS: { value: 'success' }, ERROR: { value: 'error' } } as const,
});

const money = (micros: number | null) => (micros === null ? null : microsToDollars(micros));

export const RequestLogRef = builder.loadableNode('RequestLog', {
  description: 'One inference request: routing, outcome, latency, tokens and cost.',
  id: { resolve: (log) => log.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listRequestLogsByIds(ctx.database, ids), (log) => log.id, 'RequestLog'),
  fields: (t) => ({
    id: t.exposeID('id'),
    clientRequestId: t.exposeString('clientRequestId', {
      nullable: true,
      description:
        "The caller's own x-request-id (echoed as x-client-request-id); null when it sent none or one that was not 1-128 printable ASCII characters. Heimdall's id (the x-request-id answer header) is `id`.",
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (log) => log.createdAt }),
    completedAt: t.field({ type: 'DateTime', nullable: true, resolve: (log) => log.completedAt }),
    providerName: t.exposeString('provider'),
    provider: t.field({
      type: ProviderRef,
      nullable: true,
      resolve: (log) => log.provider,
      description: 'Null when not configured.',
    }),
    model: t.exposeString('model'),
    endpoint: t.exposeString('endpoint', { nullable: true }),
    stream: t.exposeBoolean('stream'),
    status: t.field({ type: RequestStatus, resolve: (log) => log.status }),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    latencyMs: t.exposeInt('latencyMs', { nullable: true }),
    ttftMs: t.exposeInt('ttftMs', { nullable: true, description: 'Time to first token (streams).' }),
    inputTokens: t.exposeInt('inputTokens'),
    outputTokens: t.exposeInt('outputTokens'),
    cachedTokens: t.exposeInt('cachedTokens'),
    cost: t.float({
      nullable: true,
      description: 'USD; null when the model is unpriced.',
      resolve: (log) => money(log.costMicros),
    }),
    costMicros: t.field({ type: 'BigInt', nullable: true, resolve: (log) => log.costMicros }),
    unpriced: t.exposeBoolean('unpriced'),
    usageEstimated: t.exposeBoolean('usageEstimated', {
      description:
        'The stream ended without the provider reporting usage (client disconnect: status 499, or a provider cut): tokens and cost were counted by the gateway from what it relayed and the prompt, with the model family tokenizer.',
    }),
    priceBookVersion: t.exposeString('priceBookVersion', { nullable: true }),
    virtualKeyId: t.exposeID('virtualKeyId', { nullable: true }),
    virtualKey: t.field({ type: VirtualKeyRef, nullable: true, resolve: (log) => log.virtualKeyId }),
    teamId: t.exposeID('teamId', { nullable: true }),
    team: t.field({ type: TeamRef, nullable: true, resolve: (log) => log.teamId }),
    customerId: t.exposeID('customerId', { nullable: true }),
    customer: t.field({ type: CustomerRef, nullable: true, resolve: (log) => log.customerId }),
    providerKeyName: t.exposeString('providerKeyName', { nullable: true }),
    retries: t.exposeInt('retries'),
    fallbackIndex: t.exposeInt('fallbackIndex'),
    routingRuleId: t.exposeID('routingRuleId', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

export const RequestLogFilter = builder.inputType('RequestLogFilter', {
  description: "Bifrost's log filters; every given field must match.",
  fields: (t) => ({
    clientRequestId: t.string({ description: "The caller's own x-request-id, exactly as sent." }),
    providers: t.stringList(),
    models: t.stringList(),
    statuses: t.field({ type: [RequestStatus] }),
    virtualKeyIds: t.idList(),
    teamIds: t.idList(),
    customerIds: t.idList(),
    from: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', description: 'Exclusive.' }),
    minLatencyMs: t.int(),
    maxLatencyMs: t.int(),
    minTokens: t.int({ description: 'Input + output tokens.' }),
    maxTokens: t.int(),
    minCost: t.float({ description: 'USD.' }),
    maxCost: t.float(),
    unpricedOnly: t.boolean(),
    usageEstimatedOnly: t.boolean({ description: 'Only requests whose usage the gateway estimated.' }),
  }),
});

type FilterInput = typeof RequestLogFilter.$inferInput;
const list = <T>(value: readonly T[] | null | undefined) => value?.map((v) => String(v)) ?? undefined;
const opt = <T>(value: T | null | undefined) => value ?? undefined;

export function toSearch(f: FilterInput | null | undefined): RequestLogSearch {
  if (!f) return {};
  return {
    clientRequestId: opt(f.clientRequestId),
    providers: list(f.providers),
    models: list(f.models),
    statuses: (f.statuses ?? undefined) as RequestLogSearch['statuses'],
    virtualKeyIds: list(f.virtualKeyIds),
    teamIds: list(f.teamIds),
    customerIds: list(f.customerIds),
    from: opt(f.from),
    to: opt(f.to),
    minLatencyMs: opt(f.minLatencyMs),
    maxLatencyMs: opt(f.maxLatencyMs),
    minTokens: opt(f.minTokens),
    maxTokens: opt(f.maxTokens),
    minCostMicros: f.minCost == null ? undefined : Math.round(f.minCost * 1_000_000),
    maxCostMicros: f.maxCost == null ? undefined : Math.round(f.maxCost * 1_000_000),
    unpricedOnly: f.unpricedOnly ?? undefined,
    usageEstimatedOnly: f.usageEstimatedOnly ?? undefined,
  };
}

const cursorOf = (log: RequestLogRecord) => Buffer.from(`${log.createdAt}:${log.id}`).toString('base64url');

function parseCursor(cursor: string | null | undefined) {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  const colon = text.indexOf(':');
  const createdAt = Number(text.slice(0, colon));
  if (colon < 0 || !Number.isFinite(createdAt))
    throw new ValidationError([{ path: 'after', message: 'not a cursor from this connection' }]);
  return { createdAt, id: text.slice(colon + 1) };
}

builder.queryField('requestLogs', (t) =>
  t.connection({
    type: RequestLogRef,
    description: 'Request logs, newest first. Page forward with `first`/`after`.',
    args: { filter: t.arg({ type: RequestLogFilter }) },
    resolve: async (_root, args, ctx) => {
      if (args.last != null || args.before != null) {
        throw new ValidationError([
          { path: 'last', message: 'request logs page forward only (first/after)' },
        ]);
      }
      checkPageSize(args);
      const limit = Math.min(args.first ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      const rows = await searchRequestLogs(ctx.database, toSearch(args.filter), {
        after: parseCursor(args.after),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const search = toSearch(args.filter);
      return {
        // Counted only when asked for: a count over millions of rows is not free.
        get totalCount() {
          return requestLogStats(ctx.database, search).then((stats) => stats.count);
        },
        edges: page.map((node) => ({ node, cursor: cursorOf(node) })),
        pageInfo: {
          hasNextPage: rows.length > limit,
          hasPreviousPage: args.after != null,
          startCursor: page[0] ? cursorOf(page[0]) : null,
          endCursor: page.at(-1) ? cursorOf(page.at(-1)!) : null,
        },
      };
    },
  }),
);

const RequestLogStatsRef = builder
  .objectRef<Awaited<ReturnType<typeof requestLogStats>>>('RequestLogStats')
  .implement({
    fields: (t) => ({
      count: t.exposeInt('count'),
      successCount: t.exposeInt('successCount'),
      errorCount: t.int({ resolve: (s) => s.count - s.successCount }),
      successRate: t.float({
        nullable: true,
        description: '0–1; null without requests.',
        resolve: (s) => (s.count ? s.successCount / s.count : null),
      }),
      avgLatencyMs: t.exposeFloat('avgLatencyMs', { nullable: true }),
      p99LatencyMs: t.exposeInt('p99LatencyMs', { nullable: true }),
      inputTokens: t.field({ type: 'BigInt', resolve: (s) => s.inputTokens }),
      outputTokens: t.field({ type: 'BigInt', resolve: (s) => s.outputTokens }),
      cachedTokens: t.field({ type: 'BigInt', resolve: (s) => s.cachedTokens }),
      totalTokens: t.field({ type: 'BigInt', resolve: (s) => s.inputTokens + s.outputTokens }),
      cost: t.float({ resolve: (s) => microsToDollars(s.costMicros) }),
      costMicros: t.field({ type: 'BigInt', resolve: (s) => s.costMicros }),
      unpricedCount: t.exposeInt('unpricedCount'),
    }),
  });

builder.queryField('requestLogStats', (t) =>
  t.field({
    type: RequestLogStatsRef,
    args: { filter: t.arg({ type: RequestLogFilter }) },
    resolve: (_root, args, ctx) => requestLogStats(ctx.database, toSearch(args.filter)),
  }),
);

const SpendFilter = builder.inputType('SpendFilter', {
  fields: (t) => ({
    virtualKeyIds: t.idList(),
    teamIds: t.idList(),
    customerIds: t.idList(),
    providers: t.stringList(),
    models: t.stringList(),
  }),
});

const SpendEventRef = builder.objectRef<SpendEvent>('SpendEvent').implement({
  description: 'One settled request.',
  fields: (t) => ({
    requestId: t.exposeID('requestId'),
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    cost: t.float({ nullable: true, resolve: (e) => money(e.costMicros) }),
    costMicros: t.field({ type: 'BigInt', nullable: true, resolve: (e) => e.costMicros }),
    virtualKeyId: t.id({ nullable: true, resolve: (e) => e.virtualKeyId ?? null }),
    teamId: t.id({ nullable: true, resolve: (e) => e.teamId ?? null }),
    customerId: t.id({ nullable: true, resolve: (e) => e.customerId ?? null }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

/** One subscription event per item of each published batch. */
async function* flatten<B, T>(batches: AsyncIterable<B>, items: (batch: B) => T[]): AsyncGenerator<T> {
  for await (const batch of batches) yield* items(batch);
}

type Matchable = Pick<SpendEvent, 'provider' | 'model' | 'virtualKeyId' | 'teamId' | 'customerId'>;
type Criteria = {
  virtualKeyIds?: unknown[] | null;
  teamIds?: unknown[] | null;
  customerIds?: unknown[] | null;
  providers?: string[] | null;
  models?: string[] | null;
};

function matches(event: Matchable, f: Criteria | null | undefined): boolean {
  const has = (list: unknown[] | null | undefined, value: string | null | undefined) =>
    !list || (value != null && list.map(String).includes(value));
  return (
    !f ||
    (has(f.virtualKeyIds, event.virtualKeyId) &&
      has(f.teamIds, event.teamId) &&
      has(f.customerIds, event.customerId) &&
      has(f.providers, event.provider) &&
      has(f.models, event.model))
  );
}

builder.subscriptionFields((t) => ({
  spendUpdated: t.field({
    type: SpendEventRef,
    description: 'Every priced request matching the filter, cluster-wide, as its log is written.',
    args: { filter: t.arg({ type: SpendFilter }) },
    subscribe: (_root, args, ctx) =>
      flatten(ctx.pubsub.subscribe('spendUpdated'), (batch) =>
        batch.events.filter((e) => matches(e, args.filter)),
      ),
    resolve: (event) => event,
  }),
  requestLogged: t.field({
    type: RequestLogRef,
    description: 'A live tail of request logs matching the filter, as they are written.',
    args: { filter: t.arg({ type: SpendFilter }) },
    subscribe: (_root, args, ctx) =>
      flatten(ctx.pubsub.subscribe('requestLogged'), (batch) =>
        batch.rows.filter((row) => matches(row, args.filter)),
      ),
    // The event carries the row (it may not be durable yet on SQLite's write-behind).
    resolve: (row) => row,
  }),
}));
