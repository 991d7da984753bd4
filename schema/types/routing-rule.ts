/**
 * RoutingRule: a CEL expression over the request and its caller; when true, traffic goes to
 * weighted targets. Expressions are parsed and type-checked when saved (schema/cel.ts).
 */
import {
  createRoutingRule,
  deleteRoutingRule,
  getRoutingRule,
  listRoutingRules,
  routingRuleFromConfig,
  routingRuleSchema,
  routingRuleToConfig,
  updateRoutingRule,
  type Database,
  type RoutingRuleRecord,
  type RoutingTarget,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import { checkRoutingExpression } from '../cel.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { ValidationError } from '../errors.ts';
import { amongKeys, inKeyOrder } from '../loaders.ts';
import { checkRefs, type Ref, type RefKind } from '../refs.ts';
import { CustomerRef } from './customer.ts';
import { TeamRef } from './team.ts';
import { VirtualKeyRef } from './virtual-key.ts';

export const RoutingScope = builder.enumType('RoutingScope', {
  values: {
    GLOBAL: { value: 'global' },
    TEAM: { value: 'team' },
    CUSTOMER: { value: 'customer' },
    VIRTUAL_KEY: { value: 'virtual_key' },
  } as const,
});

const RoutingTargetRef = builder.objectRef<RoutingTarget>('RoutingTarget').implement({
  fields: (t) => ({
    provider: t.exposeString('provider'),
    model: t.exposeString('model', { description: 'Empty keeps the requested model.' }),
    weight: t.exposeFloat('weight'),
    keyId: t.string({ nullable: true, resolve: (target) => target.key_id ?? null }),
  }),
});

const scoped = (scope: string) => (rule: RoutingRuleRecord) => (rule.scope === scope ? rule.scopeId : null);

export const RoutingRuleRef = builder.loadableNode('RoutingRule', {
  description: 'CEL-matched routing: evaluated virtual key → team → customer → global, lower priority first.',
  id: { resolve: (r) => r.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listRoutingRules(ctx.database), (r) => r.id, 'RoutingRule'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    enabled: t.exposeBoolean('enabled'),
    celExpression: t.exposeString('celExpression'),
    targets: t.field({ type: [RoutingTargetRef], resolve: (r) => r.targets }),
    fallbacks: t.exposeStringList('fallbacks'),
    scope: t.field({ type: RoutingScope, resolve: (r) => r.scope }),
    scopeId: t.exposeID('scopeId', { nullable: true }),
    team: t.field({ type: TeamRef, nullable: true, resolve: scoped('team') }),
    customer: t.field({ type: CustomerRef, nullable: true, resolve: scoped('customer') }),
    virtualKey: t.field({ type: VirtualKeyRef, nullable: true, resolve: scoped('virtual_key') }),
    priority: t.exposeInt('priority'),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (r) => r.updatedAt }),
  }),
});

for (const [ref, scope] of [
  [TeamRef, 'team'],
  [CustomerRef, 'customer'],
  [VirtualKeyRef, 'virtual_key'],
] as const) {
  builder.objectField(ref, 'routingRules', (t) =>
    t.loadableGroup({
      type: RoutingRuleRef,
      description: 'Rules scoped to this owner.',
      load: async (ids: string[], ctx: Context) =>
        amongKeys(ids, await listRoutingRules(ctx.database), (r) => (r.scope === scope ? r.scopeId : null)),
      group: (r) => (r as RoutingRuleRecord).scopeId!,
      resolve: (owner) => owner.id,
    }),
  );
}

type Shape = ReturnType<typeof routingRuleSchema.parse>;

async function check(db: Database, ctx: Context, shape: Shape, path: (p: string) => string) {
  checkRoutingExpression(shape.cel_expression, path('cel_expression'));
  if (shape.scope !== 'global' && !shape.scope_id) {
    throw new ValidationError([{ path: path('scope_id'), message: `required when scope is ${shape.scope}` }]);
  }
  const refs: Ref[] = shape.targets.map((target, i) => ({
    kind: 'provider',
    id: target.provider,
    path: `targets[${i}].provider`,
  }));
  if (shape.scope !== 'global')
    refs.push({ kind: shape.scope as RefKind, id: shape.scope_id, path: 'scope_id' });
  await checkRefs(db, ctx.box, refs, path);
}

export const routingRuleKit: EntityKit<Shape, RoutingRuleRecord> = {
  kind: 'RoutingRule',
  schema: routingRuleSchema,
  idOf: (r) => r.id,
  toConfig: routingRuleToConfig,
  get: (db, _ctx, id) => getRoutingRule(db, id),
  create: (db, _ctx, shape) => createRoutingRule(db, routingRuleFromConfig(shape)),
  update: (db, _ctx, id, shape) => {
    const { id: _id, ...patch } = routingRuleFromConfig(shape);
    return updateRoutingRule(db, id, patch);
  },
  remove: deleteRoutingRule,
  check,
};

const RoutingTargetInput = builder.inputType('RoutingTargetInput', {
  fields: (t) => ({
    provider: t.string({ required: true }),
    model: t.string({ description: 'Empty or omitted keeps the requested model.' }),
    weight: t.float(),
    keyId: t.string(),
  }),
});

const common = {
  celExpression:
    'CEL over model, provider, request_type, headers, params, virtual_key_*, team_*, customer_*, budget_used, tokens_used, request, request_body.',
};

const RoutingRuleInput = builder.inputType('RoutingRuleInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: true }),
    description: t.string(),
    enabled: t.boolean(),
    celExpression: t.string({ required: true, description: common.celExpression }),
    targets: t.field({ type: [RoutingTargetInput], required: true }),
    fallbacks: t.stringList(),
    scope: t.field({ type: RoutingScope }),
    scopeId: t.id(),
    priority: t.int(),
  }),
});

const RoutingRulePatch = builder.inputType('RoutingRulePatch', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    enabled: t.boolean(),
    celExpression: t.string({ description: common.celExpression }),
    targets: t.field({ type: [RoutingTargetInput] }),
    fallbacks: t.stringList(),
    scope: t.field({ type: RoutingScope }),
    scopeId: t.id(),
    priority: t.int(),
  }),
});

defineEntityMutations({
  kit: routingRuleKit,
  ref: RoutingRuleRef,
  input: RoutingRuleInput,
  patch: RoutingRulePatch,
});

const RoutingRuleFilter = builder.inputType('RoutingRuleFilter', {
  fields: (t) => ({
    ids: t.idList(),
    search: t.string({ description: 'Substring of the id, name or expression.' }),
    scopes: t.field({ type: [RoutingScope] }),
    scopeIds: t.idList(),
    enabled: t.boolean(),
  }),
});

const order = orderInput<RoutingRuleRecord>('RoutingRule', {
  PRIORITY: (r) => r.priority,
  ID: (r) => r.id,
  NAME: (r) => r.name,
  CREATED_AT: (r) => r.createdAt,
});

builder.queryField('routingRules', (t) =>
  t.connection({
    type: RoutingRuleRef,
    args: { filter: t.arg({ type: RoutingRuleFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const f = args.filter;
      const ids = f?.ids?.map(String);
      const scopeIds = f?.scopeIds?.map(String);
      const rows = (await listRoutingRules(ctx.database)).filter(
        (r) =>
          (!ids || ids.includes(r.id)) &&
          matchesSearch(f?.search, r.id, r.name, r.celExpression) &&
          (!f?.scopes || f.scopes.includes(r.scope)) &&
          (!scopeIds || (r.scopeId !== null && scopeIds.includes(r.scopeId))) &&
          (f?.enabled == null || f.enabled === r.enabled),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
);
