/**
 * ProviderKey: a credential for a provider. Secrets are write-only: reads give a masked hint
 * (`********abcd`) or the `env.VAR` reference the key was configured with, never the secret.
 * Mutations address a key by its id or as `provider/name` (how the config file names it).
 */
import {
  canonicalJson,
  createProviderKey,
  deleteProviderKey,
  getProvider,
  getProviderKey,
  isEnvRef,
  listProviderKeys,
  maskSecret,
  providerKeyFromConfig,
  providerKeySchema as keyEntitySchema,
  providerKeyToConfig,
  updateProviderKey,
  type Database,
  type ProviderKeyRecord,
} from '../../db/index.ts';
import type { InputFieldBuilder } from '@pothos/core';
import { builder, type Types } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { ValidationError } from '../errors.ts';
import { inKeyOrder } from '../loaders.ts';
import { checkKeyRepoint, refuseIntroducedEnvRefs } from '../secret-guards.ts';
import { isMask, KEY_SECRET_PATHS, maskSecrets, readPath, restoreMasked } from '../secrets.ts';
import { ProviderRef } from './provider.ts';

const KEEP = '\u0000keep-stored-value';

/** The stored key in plain text, addressed by provider instead of row id (the kit's shape). */
export function keyToConfig(k: ProviderKeyRecord): Record<string, unknown> {
  const { id: _id, ...key } = providerKeyToConfig(k, 'plain');
  return { provider: k.provider, ...key };
}

const masked = (k: ProviderKeyRecord) => maskSecrets(keyToConfig(k), KEY_SECRET_PATHS);
const block = (name: string) => (k: ProviderKeyRecord) => (masked(k)[name] as unknown) ?? null;

export const ProviderKeyRef = builder.loadableNode('ProviderKey', {
  description: 'A credential for a provider. The secret is write-only.',
  id: { resolve: (k) => k.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listProviderKeys(ctx.database, ctx.box), (k) => k.id, 'ProviderKey'),
  fields: (t) => ({
    id: t.exposeID('id'),
    providerName: t.exposeString('provider'),
    provider: t.field({ type: ProviderRef, resolve: (k) => k.provider }),
    name: t.exposeString('name'),
    valueHint: t.string({
      description: 'A masked hint (`********abcd`), or the `env.VAR` reference the key resolves at use.',
      resolve: (k) => maskSecret(k.value),
    }),
    isEnvReference: t.boolean({ resolve: (k) => isEnvRef(k.value) }),
    hasValue: t.boolean({ resolve: (k) => k.value !== '' }),
    weight: t.exposeFloat('weight'),
    models: t.exposeStringList('models'),
    blacklistedModels: t.exposeStringList('blacklistedModels'),
    aliases: t.field({ type: 'JSON', nullable: true, resolve: (k) => k.aliases }),
    enabled: t.exposeBoolean('enabled'),
    useForBatchApi: t.exposeBoolean('useForBatchApi'),
    azureKeyConfig: t.field({ type: 'JSON', nullable: true, resolve: block('azure_key_config') }),
    bedrockKeyConfig: t.field({ type: 'JSON', nullable: true, resolve: block('bedrock_key_config') }),
    vertexKeyConfig: t.field({ type: 'JSON', nullable: true, resolve: block('vertex_key_config') }),
    ollamaKeyConfig: t.field({ type: 'JSON', nullable: true, resolve: (k) => k.ollamaKeyConfig }),
    sglKeyConfig: t.field({ type: 'JSON', nullable: true, resolve: (k) => k.sglKeyConfig }),
    vllmKeyConfig: t.field({ type: 'JSON', nullable: true, resolve: (k) => k.vllmKeyConfig }),
    replicateKeyConfig: t.field({ type: 'JSON', nullable: true, resolve: (k) => k.replicateKeyConfig }),
    huggingfaceKeyConfig: t.field({ type: 'JSON', nullable: true, resolve: (k) => k.huggingfaceKeyConfig }),
    createdAt: t.field({ type: 'DateTime', resolve: (k) => k.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (k) => k.updatedAt }),
  }),
});

builder.objectField(ProviderRef, 'keys', (t) =>
  t.loadableGroup({
    type: ProviderKeyRef,
    load: (names: string[], ctx: Context) => listProviderKeys(ctx.database, ctx.box, names),
    group: (k) => (k as ProviderKeyRecord).provider,
    resolve: (p) => p.name,
  }),
);

const providerKeySchema = keyEntitySchema.extend({ provider: keyEntitySchema.shape.name });
type Shape = ReturnType<typeof providerKeySchema.parse>;

/** `provider/name` or a row id. */
async function findKey(db: Database, ctx: Context, id: string): Promise<ProviderKeyRecord | undefined> {
  const slash = id.indexOf('/');
  if (slash < 0) return getProviderKey(db, ctx.box, id);
  const [provider, name] = [id.slice(0, slash), id.slice(slash + 1)];
  return (await listProviderKeys(db, ctx.box, provider)).find((k) => k.name === name);
}

function row(shape: Shape) {
  const { provider, ...key } = shape;
  return providerKeyFromConfig(provider, { ...key, value: key.value === KEEP ? '' : key.value });
}

/**
 * Secret fields a shape did not carry itself (omitted, or sent as a mask) before `restore` put
 * the stored secrets back: `check` must know them to tell a re-entered secret from a kept one.
 */
const keptSecrets = new WeakMap<object, Set<string>>();

export const providerKeyKit: EntityKit<Shape, ProviderKeyRecord> = {
  kind: 'ProviderKey',
  schema: providerKeySchema,
  idOf: (k) => `${k.provider}/${k.name}`,
  fromInput: (raw) => ({ value: KEEP, ...raw }),
  // An update patch is merged into this: the stored value stays KEEP unless the patch sends one.
  toConfig: (k) => ({ ...keyToConfig(k), value: KEEP }),
  same: (row, shape) => canonicalJson(keyToConfig(row)) === canonicalJson(shape),
  restore(shape, stored, path) {
    const kept = new Set(KEY_SECRET_PATHS.filter((p) => isMask(readPath(shape, p))).map((p) => p.join('.')));
    if (shape.value === KEEP) kept.add('value');
    const carried = shape.value === KEEP ? { ...shape, value: stored.value } : shape;
    const restored = restoreMasked(
      { ...carried, id: undefined },
      keyToConfig(stored),
      KEY_SECRET_PATHS,
      path,
    );
    keptSecrets.set(restored, kept);
    return restored;
  },
  get: findKey,
  create: (db, ctx, shape) => createProviderKey(db, ctx.box, row(shape)),
  async update(db, ctx, id, shape) {
    const current = await findKey(db, ctx, id);
    if (!current) return undefined;
    const { id: _id, provider: _provider, ...patch } = row(shape);
    return updateProviderKey(db, ctx.box, current.id, patch);
  },
  async remove(db, id, ctx) {
    const current = await findKey(db, ctx, id);
    return current !== undefined && deleteProviderKey(db, current.id);
  },
  async check(db, ctx, shape, path) {
    if (!(await getProvider(db, ctx.box, shape.provider)))
      throw new ValidationError([
        {
          path: path('provider'),
          message: `provider "${shape.provider}" is not configured; upsertProvider first`,
        },
      ]);
    const stored = await findKey(db, ctx, `${shape.provider}/${shape.name}`);
    refuseIntroducedEnvRefs(ctx, shape, stored && keyToConfig(stored), path);
    if (stored) checkKeyRepoint(ctx, shape, keyToConfig(stored), keptSecrets.get(shape) ?? new Set(), path);
  },
};

const keyFields = {
  value: 'The secret (encrypted at rest) or `env.VAR`. Omitted on upsert/update: the stored one is kept.',
  json: 'As in the config file (snake_case keys).',
};

/** The settings a key has besides its identity: shared by the create/upsert input and the patch. */
function keySettingFields(t: InputFieldBuilder<Types, 'InputObject'>) {
  return {
    value: t.string({ description: keyFields.value }),
    weight: t.float(),
    models: t.stringList(),
    blacklistedModels: t.stringList(),
    aliases: t.field({ type: 'JSON' }),
    enabled: t.boolean(),
    useForBatchApi: t.boolean(),
    azureKeyConfig: t.field({ type: 'JSON', description: keyFields.json }),
    bedrockKeyConfig: t.field({ type: 'JSON', description: keyFields.json }),
    vertexKeyConfig: t.field({ type: 'JSON', description: keyFields.json }),
    ollamaKeyConfig: t.field({ type: 'JSON' }),
    sglKeyConfig: t.field({ type: 'JSON' }),
    vllmKeyConfig: t.field({ type: 'JSON' }),
    replicateKeyConfig: t.field({ type: 'JSON' }),
    huggingfaceKeyConfig: t.field({ type: 'JSON' }),
  };
}

const ProviderKeyInput = builder.inputType('ProviderKeyInput', {
  fields: (t) => ({
    provider: t.string({ required: true }),
    name: t.string({ required: true }),
    id: t.id({ description: 'Row id for a new key; generated when omitted.' }),
    ...keySettingFields(t),
  }),
});

const ProviderKeyPatch = builder.inputType('ProviderKeyPatch', {
  fields: (t) => ({ name: t.string(), ...keySettingFields(t) }),
});

defineEntityMutations({
  kit: providerKeyKit,
  ref: ProviderKeyRef,
  input: ProviderKeyInput,
  patch: ProviderKeyPatch,
});

const ProviderKeyFilter = builder.inputType('ProviderKeyFilter', {
  fields: (t) => ({
    providers: t.stringList(),
    search: t.string({ description: 'Substring of the name.' }),
    enabled: t.boolean(),
  }),
});

const order = orderInput<ProviderKeyRecord>('ProviderKey', {
  PROVIDER: (k) => `${k.provider}/${k.name}`,
  NAME: (k) => k.name,
  WEIGHT: (k) => k.weight,
  CREATED_AT: (k) => k.createdAt,
});

builder.queryField('providerKeys', (t) =>
  t.connection({
    type: ProviderKeyRef,
    args: { filter: t.arg({ type: ProviderKeyFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const f = args.filter;
      const rows = (await listProviderKeys(ctx.database, ctx.box, f?.providers ?? undefined)).filter(
        (k) => matchesSearch(f?.search, k.name) && (f?.enabled == null || f.enabled === k.enabled),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
);
