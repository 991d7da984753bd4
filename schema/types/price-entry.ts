/**
 * PriceEntry: a price-book row in the database, i.e. a control-plane override of the bundled
 * price book (per 1M tokens, per provider and model, from a prompt-size tier up). Gateways pick
 * the latest version per model up on the next config change.
 */
import {
  deletePriceEntry,
  insertPriceEntries,
  listPriceEntries,
  microsToDollars,
  dollarsToMicros,
  type PriceEntryRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows } from '../connection.ts';
import { commitConfigChange } from '../crud.ts';
import { DeletionRef } from '../crud-fields.ts';
import { MUTATION_ERRORS, NotFoundError, ValidationError } from '../errors.ts';
import { inKeyOrder } from '../loaders.ts';

const perMtok = (micros: number | null) => (micros === null ? null : microsToDollars(micros));

export const PriceEntryRef = builder.loadableNode('PriceEntry', {
  description: 'USD per 1M tokens for one provider/model, from `aboveInputTokens` prompt tokens up.',
  id: { resolve: (p) => String(p.id) },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listPriceEntries(ctx.database), (p) => String(p.id), 'PriceEntry'),
  fields: (t) => ({
    id: t.id({ resolve: (p) => String(p.id) }),
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    inputPerMtok: t.float({ resolve: (p) => microsToDollars(p.inputMicrosPerMtok) }),
    inputMicrosPerMtok: t.field({ type: 'BigInt', resolve: (p) => p.inputMicrosPerMtok }),
    outputPerMtok: t.float({ resolve: (p) => microsToDollars(p.outputMicrosPerMtok) }),
    outputMicrosPerMtok: t.field({ type: 'BigInt', resolve: (p) => p.outputMicrosPerMtok }),
    cacheReadPerMtok: t.float({ nullable: true, resolve: (p) => perMtok(p.cacheReadMicrosPerMtok) }),
    cacheWritePerMtok: t.float({ nullable: true, resolve: (p) => perMtok(p.cacheWriteMicrosPerMtok) }),
    aboveInputTokens: t.field({ type: 'BigInt', resolve: (p) => p.tierThresholdTokens }),
    version: t.exposeString('version'),
    source: t.exposeString('source'),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
  }),
});

const PriceEntryInput = builder.inputType('PriceEntryInput', {
  fields: (t) => ({
    provider: t.string({ required: true }),
    model: t.string({ required: true }),
    inputPerMtok: t.float({ required: true, description: 'USD per 1M input tokens.' }),
    outputPerMtok: t.float({ required: true, description: 'USD per 1M output tokens.' }),
    cacheReadPerMtok: t.float(),
    cacheWritePerMtok: t.float(),
    aboveInputTokens: t.field({
      type: 'BigInt',
      description: 'Tier start (prompt tokens); 0 is the base price.',
    }),
    source: t.string({ description: 'Where the price comes from (a URL, "contract 2025-01"…).' }),
  }),
});

const optionalMicros = (dollars: number | null | undefined) =>
  dollars == null ? null : dollarsToMicros(dollars);

builder.mutationFields((t) => ({
  createPriceEntry: t.field({
    type: PriceEntryRef,
    description: 'Adds a price override; it applies to requests from the next config version on.',
    args: { input: t.arg({ type: PriceEntryInput, required: true }) },
    errors: { types: MUTATION_ERRORS },
    resolve: async (_root, { input }, ctx) => {
      const prices = [
        input.inputPerMtok,
        input.outputPerMtok,
        input.cacheReadPerMtok,
        input.cacheWritePerMtok,
      ];
      if (prices.some((price) => price != null && (!Number.isFinite(price) || price < 0))) {
        throw new ValidationError([{ path: 'input', message: 'prices must be non-negative numbers' }]);
      }
      const version = `api-${Date.now()}`;
      return commitConfigChange(ctx, ['PriceEntry'], async (tx) => {
        await insertPriceEntries(tx, [
          {
            provider: input.provider,
            model: input.model,
            inputMicrosPerMtok: dollarsToMicros(input.inputPerMtok),
            outputMicrosPerMtok: dollarsToMicros(input.outputPerMtok),
            cacheReadMicrosPerMtok: optionalMicros(input.cacheReadPerMtok),
            cacheWriteMicrosPerMtok: optionalMicros(input.cacheWritePerMtok),
            tierThresholdTokens: input.aboveInputTokens ?? 0,
            version,
            source: input.source ?? 'graphql',
          },
        ]);
        const rows = await listPriceEntries(tx, { version, provider: input.provider, model: input.model });
        return rows[0]!;
      });
    },
  }),
  deletePriceEntry: t.field({
    type: DeletionRef,
    args: { id: t.arg.id({ required: true }) },
    errors: { types: MUTATION_ERRORS },
    resolve: (_root, args, ctx) =>
      commitConfigChange(ctx, ['PriceEntry'], async (tx) => {
        if (!(await deletePriceEntry(tx, Number(args.id))))
          throw new NotFoundError('PriceEntry', String(args.id));
        return { id: String(args.id) };
      }),
  }),
}));

const PriceEntryFilter = builder.inputType('PriceEntryFilter', {
  fields: (t) => ({
    providers: t.stringList(),
    search: t.string({ description: 'Substring of the model.' }),
    version: t.string(),
  }),
});

const order = orderInput<PriceEntryRecord>('PriceEntry', {
  MODEL: (p) => `${p.provider}/${p.model}`,
  CREATED_AT: (p) => p.createdAt,
  INPUT_PRICE: (p) => p.inputMicrosPerMtok,
  OUTPUT_PRICE: (p) => p.outputMicrosPerMtok,
});

builder.queryField('priceEntries', (t) =>
  t.connection({
    type: PriceEntryRef,
    args: { filter: t.arg({ type: PriceEntryFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const f = args.filter;
      const rows = (await listPriceEntries(ctx.database, { version: f?.version ?? undefined })).filter(
        (p) => (!f?.providers || f.providers.includes(p.provider)) && matchesSearch(f?.search, p.model),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
);
