/** Team: belongs to at most one customer; owns virtual keys. */
import {
  createTeam,
  deleteTeam,
  getTeam,
  listTeams,
  teamFromConfig,
  teamSchema,
  teamToConfig,
  updateTeam,
  type TeamRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows, within } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { limitFields, usedByLimits } from '../limit-fields.ts';
import { inKeyOrder } from '../loaders.ts';
import { checkRefs, limitRefs } from '../refs.ts';
import { CustomerRef } from './customer.ts';

export const TeamRef = builder.loadableNode('Team', {
  description: 'A group of virtual keys, optionally under a customer, with its own budget and rate limit.',
  id: { resolve: (team) => team.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listTeams(ctx.database, { ids }), (team) => team.id, 'Team'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    customerId: t.id({ nullable: true, resolve: (team) => team.customerId }),
    customer: t.field({ type: CustomerRef, nullable: true, resolve: (team) => team.customerId }),
    ...limitFields(t),
    createdAt: t.field({ type: 'DateTime', resolve: (team) => team.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (team) => team.updatedAt }),
  }),
});

usedByLimits('teams', TeamRef, (db) => listTeams(db), 'Teams using this limit.');

builder.objectField(CustomerRef, 'teams', (t) =>
  t.loadableGroup({
    type: TeamRef,
    load: (customerIds: string[], ctx: Context) => listTeams(ctx.database, { customerIds }),
    group: (team) => (team as TeamRecord).customerId!,
    resolve: (customer) => customer.id,
  }),
);

type Shape = ReturnType<typeof teamSchema.parse>;

export const teamKit: EntityKit<Shape, TeamRecord> = {
  kind: 'Team',
  schema: teamSchema,
  idOf: (team) => team.id,
  toConfig: teamToConfig,
  get: (db, _ctx, id) => getTeam(db, id),
  create: (db, _ctx, shape) => createTeam(db, teamFromConfig(shape)),
  update: (db, _ctx, id, shape) => {
    const { id: _id, ...patch } = teamFromConfig(shape);
    return updateTeam(db, id, patch);
  },
  remove: deleteTeam,
  check: (db, ctx, shape, path) =>
    checkRefs(
      db,
      ctx.box,
      [...limitRefs(shape), { kind: 'customer', id: shape.customer_id, path: 'customer_id' }],
      path,
    ),
};

const TeamInput = builder.inputType('TeamInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: true }),
    customerId: t.id(),
    budgetId: t.id(),
    rateLimitId: t.id(),
  }),
});

const TeamPatch = builder.inputType('TeamPatch', {
  fields: (t) => ({ name: t.string(), customerId: t.id(), budgetId: t.id(), rateLimitId: t.id() }),
});

defineEntityMutations({ kit: teamKit, ref: TeamRef, input: TeamInput, patch: TeamPatch });

const TeamFilter = builder.inputType('TeamFilter', {
  fields: (t) => ({
    ids: t.idList(),
    search: t.string({ description: 'Substring of the id or name.' }),
    customerIds: t.idList(),
    budgetIds: t.idList(),
    rateLimitIds: t.idList(),
  }),
});

const order = orderInput<TeamRecord>('Team', {
  ID: (team) => team.id,
  NAME: (team) => team.name,
  CUSTOMER_ID: (team) => team.customerId,
  CREATED_AT: (team) => team.createdAt,
});

builder.queryFields((t) => ({
  team: t.field({
    type: TeamRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await getTeam(ctx.database, String(args.id))) ?? null,
  }),
  teams: t.connection({
    type: TeamRef,
    args: { filter: t.arg({ type: TeamFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const f = args.filter;
      const rows = (
        await listTeams(ctx.database, {
          ids: f?.ids?.map(String) ?? undefined,
          customerIds: f?.customerIds?.map(String) ?? undefined,
        })
      ).filter(
        (team) =>
          matchesSearch(f?.search, team.id, team.name) &&
          within(f?.budgetIds?.map(String), team.budgetId ?? '') &&
          within(f?.rateLimitIds?.map(String), team.rateLimitId ?? ''),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
}));
