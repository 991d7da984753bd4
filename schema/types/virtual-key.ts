/**
 * VirtualKey: the credential applications send. Only its SHA-256 and last four characters are
 * stored, so the value is returned exactly once: in the payload of the mutation that created
 * or rotated it.
 */
import {
  canonicalJson,
  createVirtualKey,
  deleteVirtualKey,
  getVirtualKey,
  hashVirtualKey,
  listVirtualKeys,
  updateVirtualKey,
  virtualKeyFromConfig,
  virtualKeySchema,
  virtualKeyToConfig,
  type VirtualKeyProviderConfigRecord,
  type VirtualKeyRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { limitFields, usedByLimits } from '../limit-fields.ts';
import { inKeyOrder } from '../loaders.ts';
import {
  checkGivenValue,
  checkVirtualKeyRefs,
  generatedValue,
  isKept,
  KEEP_VALUE,
  valueOf,
} from '../virtual-key-values.ts';
import { CustomerRef } from './customer.ts';
import { TeamRef } from './team.ts';

export type VirtualKeyRow = VirtualKeyRecord & { createdValue?: string };

export const VirtualKeyProviderConfigRef = builder
  .objectRef<VirtualKeyProviderConfigRecord>('VirtualKeyProviderConfig')
  .implement({
    description: 'A provider this key may use, with its weight, allowed models, pinned keys and own limits.',
    fields: (t) => ({
      provider: t.exposeString('provider'),
      weight: t.exposeFloat('weight'),
      allowedModels: t.exposeStringList('allowedModels', { description: '`["*"]` allows every model.' }),
      keyIds: t.exposeStringList('keyIds', { description: 'Provider key names pinned; empty means any.' }),
      ...limitFields(t),
    }),
  });

export const VirtualKeyRef = builder.loadableNode('VirtualKey', {
  description: 'A credential for inference requests, owned by a team or a customer (not both).',
  id: { resolve: (vk) => vk.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listVirtualKeys(ctx.database, { ids }), (vk) => vk.id, 'VirtualKey'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    valueHint: t.string({
      description: 'The last four characters, to recognise a key; the value itself is never readable.',
      resolve: (vk) => `…${vk.valueSuffix}`,
    }),
    isActive: t.exposeBoolean('isActive'),
    teamId: t.id({ nullable: true, resolve: (vk) => vk.teamId }),
    team: t.field({ type: TeamRef, nullable: true, resolve: (vk) => vk.teamId }),
    customerId: t.id({ nullable: true, resolve: (vk) => vk.customerId }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description:
        'The customer owning the key directly (a team-owned key reaches its customer through `team`).',
      resolve: (vk) => vk.customerId,
    }),
    ...limitFields(t),
    providerConfigs: t.field({ type: [VirtualKeyProviderConfigRef], resolve: (vk) => vk.providerConfigs }),
    createdAt: t.field({ type: 'DateTime', resolve: (vk) => vk.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (vk) => vk.updatedAt }),
  }),
});

usedByLimits(
  'virtualKeys',
  VirtualKeyRef,
  (db) => listVirtualKeys(db),
  'Virtual keys using this limit directly.',
);

for (const [ref, field, filter] of [
  [TeamRef, 'teamIds', 'teamId'],
  [CustomerRef, 'customerIds', 'customerId'],
] as const) {
  builder.objectField(ref, 'virtualKeys', (t) =>
    t.loadableGroup({
      type: VirtualKeyRef,
      load: (ids: string[], ctx: Context) => listVirtualKeys(ctx.database, { [field]: ids }),
      group: (vk) => (vk as VirtualKeyRecord)[filter]!,
      resolve: (owner) => owner.id,
    }),
  );
}

type Shape = ReturnType<typeof virtualKeySchema.parse>;

/** The stored key with its value kept: a patch that sends no value leaves the hash alone. */
function toConfig(vk: VirtualKeyRecord): Record<string, unknown> {
  const { value_hash: _hash, value_suffix: _suffix, ...key } = virtualKeyToConfig(vk);
  return { ...key, value: KEEP_VALUE };
}

export const virtualKeyKit: EntityKit<Shape, VirtualKeyRow> = {
  kind: 'VirtualKey',
  schema: virtualKeySchema,
  idOf: (vk) => vk.id,
  fromInput: (raw) => ({ value: KEEP_VALUE, ...raw }),
  toConfig,
  same: (row, shape, ctx) =>
    canonicalJson({ ...toConfig(row), value: null }) === canonicalJson({ ...shape, value: null }) &&
    (isKept(shape.value) || hashVirtualKey(valueOf(shape.value, ctx.env)) === row.valueHash),
  get: (db, _ctx, id) => getVirtualKey(db, id),
  async create(db, ctx, shape) {
    const value = isKept(shape.value) ? generatedValue() : shape.value;
    const row = await createVirtualKey(db, virtualKeyFromConfig({ ...shape, value }, ctx.env));
    return { ...row, createdValue: valueOf(value, ctx.env) };
  },
  async update(db, ctx, id, shape) {
    const keep = isKept(shape.value);
    const {
      id: _id,
      value,
      ...patch
    } = virtualKeyFromConfig({ ...shape, value: keep ? 'kept' : shape.value }, ctx.env);
    const row = await updateVirtualKey(db, id, keep ? patch : { ...patch, value });
    return row && (keep ? row : { ...row, createdValue: value });
  },
  remove: deleteVirtualKey,
  check(db, ctx, shape, path) {
    checkGivenValue(shape.value, ctx.env, path('value'));
    return checkVirtualKeyRefs(db, ctx.box, shape, path);
  },
};

export const VirtualKeyProviderConfigInput = builder.inputType('VirtualKeyProviderConfigInput', {
  fields: (t) => ({
    provider: t.string({ required: true }),
    weight: t.float(),
    allowedModels: t.stringList(),
    keyIds: t.stringList(),
    budgetId: t.id(),
    rateLimitId: t.id(),
  }),
});

export const VirtualKeyInput = builder.inputType('VirtualKeyInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: true }),
    value: t.string({
      description:
        'The key value (or `env.VAR`); generated (`sk-bf-…`) when omitted. Only its hash is stored.',
    }),
    description: t.string(),
    isActive: t.boolean(),
    teamId: t.id(),
    customerId: t.id(),
    budgetId: t.id(),
    rateLimitId: t.id(),
    providerConfigs: t.field({ type: [VirtualKeyProviderConfigInput] }),
  }),
});

const VirtualKeyPatch = builder.inputType('VirtualKeyPatch', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    isActive: t.boolean(),
    teamId: t.id(),
    customerId: t.id(),
    budgetId: t.id(),
    rateLimitId: t.id(),
    providerConfigs: t.field({
      type: [VirtualKeyProviderConfigInput],
      description: 'Replaces the whole list.',
    }),
  }),
});

defineEntityMutations({
  kit: virtualKeyKit,
  ref: VirtualKeyRef,
  input: VirtualKeyInput,
  patch: VirtualKeyPatch,
  omit: ['create', 'upsert'],
});
