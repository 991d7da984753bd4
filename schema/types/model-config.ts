/** ModelConfig: a budget and/or rate limit on one model (optionally of one provider), no VK needed. */
import {
  createModelConfig,
  deleteModelConfig,
  getModelConfig,
  listModelConfigs,
  modelConfigFromConfig,
  modelConfigSchema,
  modelConfigToConfig,
  updateModelConfig,
  type ModelConfigRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { limitFields, usedByLimits } from '../limit-fields.ts';
import { inKeyOrder } from '../loaders.ts';
import { checkRefs, limitRefs } from '../refs.ts';

export const ModelConfigRef = builder.loadableNode('ModelConfig', {
  description: 'Governance for one model: its own budget and rate limit, whoever calls it.',
  id: { resolve: (m) => m.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listModelConfigs(ctx.database), (m) => m.id, 'ModelConfig'),
  fields: (t) => ({
    id: t.exposeID('id'),
    modelName: t.exposeString('modelName'),
    provider: t.exposeString('provider', { nullable: true, description: 'Null: the model on any provider.' }),
    ...limitFields(t),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (m) => m.updatedAt }),
  }),
});

usedByLimits('modelConfigs', ModelConfigRef, (db) => listModelConfigs(db), 'Model configs using this limit.');

type Shape = ReturnType<typeof modelConfigSchema.parse>;

export const modelConfigKit: EntityKit<Shape, ModelConfigRecord> = {
  kind: 'ModelConfig',
  schema: modelConfigSchema,
  idOf: (m) => m.id,
  toConfig: modelConfigToConfig,
  get: (db, _ctx, id) => getModelConfig(db, id),
  create: (db, _ctx, shape) => createModelConfig(db, modelConfigFromConfig(shape)),
  update: (db, _ctx, id, shape) => {
    const { id: _id, ...patch } = modelConfigFromConfig(shape);
    return updateModelConfig(db, id, patch);
  },
  remove: deleteModelConfig,
  check: (db, ctx, shape, path) =>
    checkRefs(
      db,
      ctx.box,
      [...limitRefs(shape), { kind: 'provider', id: shape.provider, path: 'provider' }],
      path,
    ),
};

const ModelConfigInput = builder.inputType('ModelConfigInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    modelName: t.string({ required: true }),
    provider: t.string(),
    budgetId: t.id(),
    rateLimitId: t.id(),
  }),
});

const ModelConfigPatch = builder.inputType('ModelConfigPatch', {
  fields: (t) => ({ modelName: t.string(), provider: t.string(), budgetId: t.id(), rateLimitId: t.id() }),
});

defineEntityMutations({
  kit: modelConfigKit,
  ref: ModelConfigRef,
  input: ModelConfigInput,
  patch: ModelConfigPatch,
});

const ModelConfigFilter = builder.inputType('ModelConfigFilter', {
  fields: (t) => ({
    ids: t.idList(),
    search: t.string({ description: 'Substring of the id or model name.' }),
    providers: t.stringList(),
  }),
});

const order = orderInput<ModelConfigRecord>('ModelConfig', {
  ID: (m) => m.id,
  MODEL_NAME: (m) => m.modelName,
  PROVIDER: (m) => m.provider,
  CREATED_AT: (m) => m.createdAt,
});

builder.queryField('modelConfigs', (t) =>
  t.connection({
    type: ModelConfigRef,
    args: { filter: t.arg({ type: ModelConfigFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const f = args.filter;
      const ids = f?.ids?.map(String);
      const rows = (await listModelConfigs(ctx.database)).filter(
        (m) =>
          (!ids || ids.includes(m.id)) &&
          matchesSearch(f?.search, m.id, m.modelName) &&
          (!f?.providers || (m.provider !== null && f.providers.includes(m.provider))),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
);
