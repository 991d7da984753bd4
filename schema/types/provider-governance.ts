/** ProviderGovernance: a budget and rate limit on a whole provider (by name), no VK needed. */
import {
  createProviderGovernance,
  deleteProviderGovernance,
  getProviderGovernance,
  listProviderGovernance,
  providerGovernanceFromConfig,
  providerGovernanceSchema,
  providerGovernanceToConfig,
  updateProviderGovernance,
  type ProviderGovernanceRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { orderInput, pageRows } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { limitFields, usedByLimits } from '../limit-fields.ts';
import { inKeyOrder } from '../loaders.ts';
import { checkRefs, limitRefs } from '../refs.ts';
import { ProviderRef } from './provider.ts';

export const ProviderGovernanceRef = builder.loadableNode('ProviderGovernance', {
  description: "Governance for one provider's traffic as a whole.",
  id: { resolve: (p) => p.name },
  load: async (names: string[], ctx: Context) =>
    inKeyOrder(names, await listProviderGovernance(ctx.database), (p) => p.name, 'ProviderGovernance'),
  fields: (t) => ({
    name: t.exposeID('name'),
    sendBackRawRequest: t.exposeBoolean('sendBackRawRequest', { nullable: true }),
    sendBackRawResponse: t.exposeBoolean('sendBackRawResponse', { nullable: true }),
    ...limitFields(t),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (p) => p.updatedAt }),
  }),
});

usedByLimits(
  'providerGovernance',
  ProviderGovernanceRef,
  (db) => listProviderGovernance(db),
  'Provider governance entries using this limit.',
);

builder.objectField(ProviderRef, 'governance', (t) =>
  t.loadable({
    type: ProviderGovernanceRef,
    nullable: true,
    description: 'Budget and rate limit on this provider as a whole, if any.',
    load: async (names: string[], ctx: Context) => {
      const rows = await listProviderGovernance(ctx.database);
      return names.map((name) => rows.find((p) => p.name === name) ?? null);
    },
    resolve: (p) => p.name,
  }),
);

type Shape = ReturnType<typeof providerGovernanceSchema.parse>;

export const providerGovernanceKit: EntityKit<Shape, ProviderGovernanceRecord> = {
  kind: 'ProviderGovernance',
  schema: providerGovernanceSchema,
  idOf: (p) => p.name,
  toConfig: providerGovernanceToConfig,
  get: (db, _ctx, name) => getProviderGovernance(db, name),
  create: (db, _ctx, shape) => createProviderGovernance(db, providerGovernanceFromConfig(shape)),
  update: (db, _ctx, name, shape) => {
    const { name: _name, ...patch } = providerGovernanceFromConfig(shape);
    return updateProviderGovernance(db, name, patch);
  },
  remove: deleteProviderGovernance,
  check: (db, ctx, shape, path) =>
    checkRefs(db, ctx.box, [...limitRefs(shape), { kind: 'provider', id: shape.name, path: 'name' }], path),
};

const ProviderGovernanceInput = builder.inputType('ProviderGovernanceInput', {
  fields: (t) => ({
    name: t.id({ required: true }),
    budgetId: t.id(),
    rateLimitId: t.id(),
    sendBackRawRequest: t.boolean(),
    sendBackRawResponse: t.boolean(),
  }),
});

const ProviderGovernancePatch = builder.inputType('ProviderGovernancePatch', {
  fields: (t) => ({
    budgetId: t.id(),
    rateLimitId: t.id(),
    sendBackRawRequest: t.boolean(),
    sendBackRawResponse: t.boolean(),
  }),
});

defineEntityMutations({
  kit: providerGovernanceKit,
  ref: ProviderGovernanceRef,
  input: ProviderGovernanceInput,
  patch: ProviderGovernancePatch,
});

const order = orderInput<ProviderGovernanceRecord>('ProviderGovernance', {
  NAME: (p) => p.name,
  CREATED_AT: (p) => p.createdAt,
});

builder.queryField('providerGovernance', (t) =>
  t.connection({
    type: ProviderGovernanceRef,
    args: { names: t.arg.stringList(), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const rows = (await listProviderGovernance(ctx.database)).filter(
        (p) => !args.names || args.names.includes(p.name),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
);
