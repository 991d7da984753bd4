/** PluginConfig: a gateway plugin's switch, version and settings (Bifrost's `plugins[]`). */
import {
  createPlugin,
  deletePlugin,
  getPlugin,
  listPlugins,
  pluginFromConfig,
  pluginSchema,
  pluginToConfig,
  updatePlugin,
  type PluginRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { orderInput, pageRows } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { inKeyOrder } from '../loaders.ts';

export const PluginConfigRef = builder.loadableNode('PluginConfig', {
  description: 'A gateway plugin (governance, logging, mocker…): enabled flag, version and settings.',
  id: { resolve: (p) => p.name },
  load: async (names: string[], ctx: Context) =>
    inKeyOrder(names, await listPlugins(ctx.database), (p) => p.name, 'PluginConfig'),
  fields: (t) => ({
    name: t.exposeID('name'),
    enabled: t.exposeBoolean('enabled'),
    version: t.exposeInt('version', {
      description: 'The config file re-seeds the plugin only when its version is higher than this.',
    }),
    config: t.field({ type: 'JSON', resolve: (p) => p.config }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (p) => p.updatedAt }),
  }),
});

type Shape = ReturnType<typeof pluginSchema.parse>;

export const pluginKit: EntityKit<Shape, PluginRecord> = {
  kind: 'PluginConfig',
  schema: pluginSchema,
  idOf: (p) => p.name,
  toConfig: pluginToConfig,
  get: (db, _ctx, name) => getPlugin(db, name),
  create: (db, _ctx, shape) => createPlugin(db, pluginFromConfig(shape)),
  update: (db, _ctx, name, shape) => {
    const { name: _name, ...patch } = pluginFromConfig(shape);
    return updatePlugin(db, name, patch);
  },
  remove: deletePlugin,
};

const PluginConfigInput = builder.inputType('PluginConfigInput', {
  fields: (t) => ({
    name: t.id({ required: true }),
    enabled: t.boolean(),
    version: t.int(),
    config: t.field({ type: 'JSON' }),
  }),
});

const PluginConfigPatch = builder.inputType('PluginConfigPatch', {
  fields: (t) => ({ enabled: t.boolean(), version: t.int(), config: t.field({ type: 'JSON' }) }),
});

defineEntityMutations({
  kit: pluginKit,
  ref: PluginConfigRef,
  input: PluginConfigInput,
  patch: PluginConfigPatch,
});

const order = orderInput<PluginRecord>('PluginConfig', {
  NAME: (p) => p.name,
  UPDATED_AT: (p) => p.updatedAt,
});

builder.queryField('plugins', (t) =>
  t.connection({
    type: PluginConfigRef,
    args: { enabled: t.arg.boolean(), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const rows = (await listPlugins(ctx.database)).filter(
        (p) => args.enabled == null || p.enabled === args.enabled,
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
);
