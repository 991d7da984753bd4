/**
 * The governance channel for gateway replicas in another process (clients/contract/governance.ts, over
 * GraphQL): budget and rate-limit leases, usage-ledger reports and request-log batches. Requires
 * the `gateway` scope. Field for field the contract's types; money and counters are integer
 * micro-dollars / units as `BigInt`, times epoch milliseconds as `BigInt`. Replay semantics
 * (lease `seq`, report `batch`, log row ids) are the governance service's: fields are carried
 * unchanged. The service is injected by api/ (`Context.governance`); without it the mutations
 * fail with code `GOVERNANCE_UNAVAILABLE`.
 */
import { GraphQLError } from 'graphql';
import { builder } from '../builder.ts';
import type {
  GovernanceChannel,
  LeaseGrant,
  RateReturn,
  RequestLogRow,
  UsageLedgerEntry,
} from '../../clients/contract/governance.ts';
import type { Context } from '../context.ts';
import { RequestStatus } from './request-log.ts';

const MeterKind = builder.enumType('MeterKind', {
  description: 'What a lease is a slice of.',
  values: {
    BUDGET: { value: 'budget', description: 'A budget, in micro-dollars.' },
    REQUESTS: { value: 'requests', description: "A rate limit's request count." },
    TOKENS: { value: 'tokens', description: "A rate limit's token count." },
  } as const,
});

const RateMeterKind = builder.enumType('RateMeterKind', {
  values: { REQUESTS: { value: 'requests' }, TOKENS: { value: 'tokens' } } as const,
});

const LedgerKind = builder.enumType('LedgerKind', {
  values: {
    RESERVE: { value: 'reserve' },
    SETTLE: { value: 'settle' },
    RELEASE: { value: 'release' },
  } as const,
});

const LeaseRequestInput = builder.inputType('LeaseRequestInput', {
  description: 'A gateway asks for a slice of what remains of a budget or rate limit.',
  fields: (t) => ({
    holder: t.string({ required: true, description: 'Stable id of the asking gateway process.' }),
    kind: t.field({ type: MeterKind, required: true }),
    id: t.id({ required: true, description: 'Budget id or rate-limit id.' }),
    seq: t.field({
      type: 'BigInt',
      required: true,
      description:
        'Per holder and meter, increasing: a replayed grant with the same seq is not granted twice.',
    }),
    want: t.field({ type: 'BigInt', required: true, description: 'Amount wanted (micro-dollars or units).' }),
    min: t.field({ type: 'BigInt', required: true, description: 'Below this, grant nothing.' }),
    force: t.boolean({ description: 'Grant `want` even past the limit (usage that already happened).' }),
  }),
});

const LeaseGrantRef = builder.objectRef<LeaseGrant>('LeaseGrant').implement({
  description: 'What the control plane granted, and the meter as it stands after the grant.',
  fields: (t) => ({
    granted: t.field({ type: 'BigInt', resolve: (g) => g.granted }),
    limit: t.field({ type: 'BigInt', resolve: (g) => g.limit }),
    used: t.field({
      type: 'BigInt',
      description: 'Settled usage in the window (budgets), or usage incl. leased units (rate limits).',
      resolve: (g) => g.used,
    }),
    reserved: t.field({
      type: 'BigInt',
      description: 'Outstanding leases and reservations, including this grant (budgets only).',
      resolve: (g) => g.reserved,
    }),
    windowStart: t.field({ type: 'BigInt', description: 'Epoch ms.', resolve: (g) => g.windowStart }),
    windowEnd: t.field({ type: 'BigInt', description: 'Epoch ms.', resolve: (g) => g.windowEnd }),
  }),
});

const LedgerEntryInput = builder.inputType('UsageLedgerEntryInput', {
  fields: (t) => ({
    requestId: t.string({ required: true }),
    attempt: t.field({
      type: 'BigInt',
      required: true,
      description: "Attempt index within the request (lease entries: the lease's seq).",
    }),
    kind: t.field({ type: LedgerKind, required: true }),
    budgetId: t.id({ required: true }),
    amountMicros: t.field({ type: 'BigInt', required: true }),
    priceBookVersion: t.string(),
  }),
});

const RateReturnInput = builder.inputType('RateReturnInput', {
  description: 'Unused rate-limit units handed back for the window they were leased in.',
  fields: (t) => ({
    kind: t.field({ type: RateMeterKind, required: true }),
    id: t.id({ required: true }),
    amount: t.field({ type: 'BigInt', required: true }),
    windowStart: t.field({ type: 'BigInt', required: true, description: 'Epoch ms.' }),
  }),
});

const UsageReportInput = builder.inputType('UsageReportInput', {
  fields: (t) => ({
    holder: t.string({ required: true }),
    batch: t.field({
      type: 'BigInt',
      description: 'Per holder, increasing; a failed report is re-sent whole with the same number.',
    }),
    ledger: t.field({ type: [LedgerEntryInput], required: true }),
    rateReturns: t.field({ type: [RateReturnInput], required: true }),
  }),
});

const RequestLogRowInput = builder.inputType('RequestLogRowInput', {
  description: 'One request-log row as the control plane stores it (micro-dollars, epoch ms).',
  fields: (t) => ({
    id: t.id({ required: true }),
    clientRequestId: t.string({
      description:
        "The caller's own x-request-id (at most 128 printable ASCII characters); absent means none.",
    }),
    createdAt: t.field({ type: 'BigInt', required: true }),
    completedAt: t.field({ type: 'BigInt', required: true }),
    provider: t.string({ required: true }),
    model: t.string({ required: true }),
    endpoint: t.string({ required: true }),
    stream: t.boolean({ required: true }),
    status: t.field({ type: RequestStatus, required: true }),
    statusCode: t.int({ required: true }),
    latencyMs: t.int({ required: true }),
    ttftMs: t.int(),
    inputTokens: t.int({ required: true }),
    outputTokens: t.int({ required: true }),
    cachedTokens: t.int({ required: true }),
    costMicros: t.field({ type: 'BigInt' }),
    unpriced: t.boolean({ required: true }),
    usageEstimated: t.boolean({
      description: 'Tokens and cost counted by the gateway from what a stream relayed; absent means false.',
    }),
    priceBookVersion: t.string(),
    virtualKeyId: t.string(),
    teamId: t.string(),
    customerId: t.string(),
    providerKeyName: t.string(),
    retries: t.int({ required: true }),
    fallbackIndex: t.int({ required: true }),
    routingRuleId: t.string(),
    error: t.string(),
  }),
});

function channelOf(ctx: Context): GovernanceChannel {
  if (!ctx.governance)
    throw new GraphQLError('This control plane has no governance channel connected (leases, usage, logs)', {
      extensions: { code: 'GOVERNANCE_UNAVAILABLE' },
    });
  return ctx.governance;
}

const orNull = <T>(value: T | null | undefined): T | null => value ?? null;

/** Usage moves budgets by positive amounts only: a negative settle would un-spend a budget. */
function nonNegative(value: number, path: string): number {
  if (value >= 0) return value;
  throw new GraphQLError(
    `${path}: expected an amount ≥ 0, got ${value}; report usage as positive movements`,
    {
      extensions: { code: 'BAD_USER_INPUT', path },
    },
  );
}

builder.mutationFields((t) => ({
  acquireLease: t.field({
    type: LeaseGrantRef,
    description:
      'Grants a slice of what remains of a budget or rate limit, atomically (never more than remains unless `force`). Gateway replicas only.',
    skipTypeScopes: true,
    authScopes: { gateway: true },
    args: { input: t.arg({ type: LeaseRequestInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      channelOf(ctx).acquireLease({
        holder: input.holder,
        kind: input.kind,
        id: String(input.id),
        seq: input.seq,
        want: nonNegative(input.want, 'input.want'),
        min: nonNegative(input.min, 'input.min'),
        ...(input.force === null || input.force === undefined ? {} : { force: input.force }),
      }),
  }),
  reportUsage: t.boolean({
    description:
      'Applies a usage report (ledger entries, rate-limit returns). Idempotent per `holder` + `batch`. Gateway replicas only.',
    skipTypeScopes: true,
    authScopes: { gateway: true },
    args: { input: t.arg({ type: UsageReportInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const channel = channelOf(ctx);
      const ledger = input.ledger.map((e, i): UsageLedgerEntry => ({
        requestId: e.requestId,
        attempt: e.attempt,
        kind: e.kind,
        budgetId: String(e.budgetId),
        amountMicros: nonNegative(e.amountMicros, `input.ledger[${i}].amountMicros`),
        ...(e.priceBookVersion === null || e.priceBookVersion === undefined
          ? {}
          : { priceBookVersion: e.priceBookVersion }),
      }));
      const rateReturns = input.rateReturns.map((r, i): RateReturn => ({
        kind: r.kind,
        id: String(r.id),
        amount: nonNegative(r.amount, `input.rateReturns[${i}].amount`),
        windowStart: r.windowStart,
      }));
      await channel.reportUsage({
        holder: input.holder,
        ...(input.batch === null || input.batch === undefined ? {} : { batch: input.batch }),
        ledger,
        rateReturns,
      });
      return true;
    },
  }),
  writeRequestLogs: t.int({
    description:
      'Stores a batch of request-log rows (idempotent on row id); returns how many were sent. Gateway replicas only.',
    skipTypeScopes: true,
    authScopes: { gateway: true },
    args: { rows: t.arg({ type: [RequestLogRowInput], required: true }) },
    resolve: async (_root, { rows }, ctx) => {
      const channel = channelOf(ctx);
      const out = rows.map((r): RequestLogRow => ({
        id: String(r.id),
        clientRequestId: orNull(r.clientRequestId),
        createdAt: r.createdAt,
        completedAt: r.completedAt,
        provider: r.provider,
        model: r.model,
        endpoint: r.endpoint,
        stream: r.stream,
        status: r.status,
        statusCode: r.statusCode,
        latencyMs: r.latencyMs,
        ttftMs: orNull(r.ttftMs),
        inputTokens: r.inputTokens,
        outputTokens: r.outputTokens,
        cachedTokens: r.cachedTokens,
        costMicros: orNull(r.costMicros),
        unpriced: r.unpriced,
        usageEstimated: r.usageEstimated ?? false,
        priceBookVersion: orNull(r.priceBookVersion),
        virtualKeyId: orNull(r.virtualKeyId),
        teamId: orNull(r.teamId),
        customerId: orNull(r.customerId),
        providerKeyName: orNull(r.providerKeyName),
        retries: r.retries,
        fallbackIndex: r.fallbackIndex,
        routingRuleId: orNull(r.routingRuleId),
        error: orNull(r.error),
      }));
      await channel.writeRequestLogs(out);
      return out.length;
    },
  }),
}));
