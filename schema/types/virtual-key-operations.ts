/**
 * VirtualKey queries and the mutations that reveal a value (create, upsert, rotate): the value
 * is in their payload once and nowhere else, ever.
 */
import {
  getVirtualKey,
  isEnvRef,
  listVirtualKeys,
  updateVirtualKey,
  type VirtualKeyRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows, within } from '../connection.ts';
import { commitConfigChange, createEntity, upsertEntity } from '../crud.ts';
import { MUTATION_ERRORS, NotFoundError } from '../errors.ts';
import { checkGivenValue, generatedValue, valueOf } from '../virtual-key-values.ts';
import { VirtualKeyInput, virtualKeyKit, VirtualKeyRef, type VirtualKeyRow } from './virtual-key.ts';

interface SecretPayload {
  virtualKey: VirtualKeyRecord;
  value: string | null;
  created: boolean;
}

const VirtualKeySecretPayload = builder.objectRef<SecretPayload>('VirtualKeySecretPayload').implement({
  description:
    'A virtual key and, when this mutation set it, its value: store it now, it cannot be read again.',
  fields: (t) => ({
    virtualKey: t.field({ type: VirtualKeyRef, resolve: (p) => p.virtualKey }),
    value: t.exposeString('value', {
      nullable: true,
      description: 'The key value when created or rotated by this call (null when kept or given as env.VAR).',
    }),
    created: t.exposeBoolean('created'),
  }),
});

/** A value the caller wrote as `env.VAR` stays out of the payload: it is theirs to resolve. */
const shown = (row: VirtualKeyRow, input: { value?: string | null }) =>
  row.createdValue && !(input.value && isEnvRef(input.value)) ? row.createdValue : null;

const errors = { types: MUTATION_ERRORS };

builder.mutationFields((t) => ({
  createVirtualKey: t.field({
    type: VirtualKeySecretPayload,
    description: 'Creates a virtual key; its value (given or generated) is returned here only.',
    args: { input: t.arg({ type: VirtualKeyInput, required: true }) },
    errors,
    resolve: async (_root, args, ctx) => {
      const row = await createEntity(ctx, virtualKeyKit, args.input);
      return { virtualKey: row, value: shown(row, args.input), created: true };
    },
  }),
  upsertVirtualKey: t.field({
    type: VirtualKeySecretPayload,
    description:
      'Creates or replaces a virtual key by id. An existing key keeps its value unless `value` is given; re-running changes nothing.',
    args: { input: t.arg({ type: VirtualKeyInput, required: true }) },
    errors,
    resolve: async (_root, args, ctx) => {
      const { row, created, changed } = await upsertEntity(ctx, virtualKeyKit, args.input);
      return { virtualKey: row, value: changed ? shown(row, args.input) : null, created };
    },
  }),
  rotateVirtualKey: t.field({
    type: VirtualKeySecretPayload,
    description: 'Gives the key a new value (generated unless given); the old value stops working at once.',
    args: { id: t.arg.id({ required: true }), value: t.arg.string() },
    errors,
    resolve: (_root, args, ctx) => rotate(ctx, String(args.id), args.value ?? undefined),
  }),
}));

async function rotate(ctx: Context, id: string, given: string | undefined): Promise<SecretPayload> {
  const value = given ?? generatedValue();
  checkGivenValue(value, ctx.env, 'value');
  const row = await commitConfigChange(ctx, ['VirtualKey'], async (tx) => {
    const updated = await updateVirtualKey(tx, id, { value: valueOf(value, ctx.env) });
    if (!updated) throw new NotFoundError('VirtualKey', id);
    return updated;
  });
  return { virtualKey: row, value: isEnvRef(value) ? null : value, created: false };
}

const VirtualKeyFilter = builder.inputType('VirtualKeyFilter', {
  fields: (t) => ({
    ids: t.idList(),
    search: t.string({ description: 'Substring of the id, name or description.' }),
    teamIds: t.idList(),
    customerIds: t.idList(),
    budgetIds: t.idList(),
    rateLimitIds: t.idList(),
    providers: t.stringList({ description: 'Keys with a provider config for one of these providers.' }),
    isActive: t.boolean(),
  }),
});

const order = orderInput<VirtualKeyRecord>('VirtualKey', {
  ID: (vk) => vk.id,
  NAME: (vk) => vk.name,
  TEAM_ID: (vk) => vk.teamId,
  CUSTOMER_ID: (vk) => vk.customerId,
  CREATED_AT: (vk) => vk.createdAt,
  UPDATED_AT: (vk) => vk.updatedAt,
});

const ids = (list: ReadonlyArray<string | number> | null | undefined) => list?.map(String) ?? undefined;

builder.queryFields((t) => ({
  virtualKey: t.field({
    type: VirtualKeyRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await getVirtualKey(ctx.database, String(args.id))) ?? null,
  }),
  virtualKeys: t.connection({
    type: VirtualKeyRef,
    args: { filter: t.arg({ type: VirtualKeyFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const f = args.filter;
      const rows = await listVirtualKeys(ctx.database, {
        ids: ids(f?.ids),
        teamIds: ids(f?.teamIds),
        customerIds: ids(f?.customerIds),
      });
      const matching = rows.filter(
        (vk) =>
          matchesSearch(f?.search, vk.id, vk.name, vk.description) &&
          within(ids(f?.budgetIds), vk.budgetId ?? '') &&
          within(ids(f?.rateLimitIds), vk.rateLimitId ?? '') &&
          (f?.isActive == null || f.isActive === vk.isActive) &&
          (!f?.providers || vk.providerConfigs.some((pc) => f.providers!.includes(pc.provider))),
      );
      return pageRows(order.sort(matching, args.orderBy), args);
    },
  }),
}));
