/** Customer: the top of the ownership hierarchy (customer → teams → virtual keys). */
import {
  createCustomer,
  customerFromConfig,
  customerSchema,
  customerToConfig,
  deleteCustomer,
  getCustomer,
  listCustomers,
  updateCustomer,
  type CustomerRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows, within } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { limitFields, usedByLimits } from '../limit-fields.ts';
import { inKeyOrder } from '../loaders.ts';
import { checkRefs, limitRefs } from '../refs.ts';

export const CustomerRef = builder.loadableNode('Customer', {
  description: 'An organisation that owns teams and virtual keys; may carry its own budget and rate limit.',
  id: { resolve: (c) => c.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listCustomers(ctx.database, { ids }), (c) => c.id, 'Customer'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    ...limitFields(t),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (c) => c.updatedAt }),
  }),
});

usedByLimits('customers', CustomerRef, (db) => listCustomers(db), 'Customers using this limit.');

type Shape = ReturnType<typeof customerSchema.parse>;

export const customerKit: EntityKit<Shape, CustomerRecord> = {
  kind: 'Customer',
  schema: customerSchema,
  idOf: (c) => c.id,
  toConfig: customerToConfig,
  get: (db, _ctx, id) => getCustomer(db, id),
  create: (db, _ctx, shape) => createCustomer(db, customerFromConfig(shape)),
  update: (db, _ctx, id, shape) => {
    const { id: _id, ...patch } = customerFromConfig(shape);
    return updateCustomer(db, id, patch);
  },
  remove: deleteCustomer,
  check: (db, ctx, shape, path) => checkRefs(db, ctx.box, limitRefs(shape), path),
};

const CustomerInput = builder.inputType('CustomerInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: true }),
    budgetId: t.id(),
    rateLimitId: t.id(),
  }),
});

const CustomerPatch = builder.inputType('CustomerPatch', {
  fields: (t) => ({ name: t.string(), budgetId: t.id(), rateLimitId: t.id() }),
});

defineEntityMutations({ kit: customerKit, ref: CustomerRef, input: CustomerInput, patch: CustomerPatch });

const CustomerFilter = builder.inputType('CustomerFilter', {
  fields: (t) => ({
    ids: t.idList(),
    search: t.string({ description: 'Substring of the id or name.' }),
    budgetIds: t.idList(),
    rateLimitIds: t.idList(),
  }),
});

const order = orderInput<CustomerRecord>('Customer', {
  ID: (c) => c.id,
  NAME: (c) => c.name,
  CREATED_AT: (c) => c.createdAt,
});

builder.queryFields((t) => ({
  customer: t.field({
    type: CustomerRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await getCustomer(ctx.database, String(args.id))) ?? null,
  }),
  customers: t.connection({
    type: CustomerRef,
    args: { filter: t.arg({ type: CustomerFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const f = args.filter;
      const rows = (await listCustomers(ctx.database, { ids: f?.ids?.map(String) ?? undefined })).filter(
        (c) =>
          matchesSearch(f?.search, c.id, c.name) &&
          within(f?.budgetIds?.map(String), c.budgetId ?? '') &&
          within(f?.rateLimitIds?.map(String), c.rateLimitId ?? ''),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
}));
