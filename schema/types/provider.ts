/**
 * Provider: a configured upstream (by name) with network, concurrency and proxy settings. Its
 * keys are ProviderKey objects. The proxy password is write-only (masked on read).
 */
import {
  compact,
  createProvider,
  deleteProvider,
  getProvider,
  listProviderKeys,
  listProviders,
  providerConfigSchema,
  providerFromConfig,
  providerKeySchema,
  providerKeyToConfig,
  providerToConfig,
  updateProvider,
  type Database,
  type ProviderRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { matchesSearch, orderInput, pageRows } from '../connection.ts';
import { defineEntityMutations } from '../crud-fields.ts';
import type { EntityKit } from '../crud.ts';
import { ValidationError } from '../errors.ts';
import { inKeyOrder } from '../loaders.ts';
import {
  changedDestinations,
  logRepoint,
  mayRepointSecrets,
  PROVIDER_DESTINATION_PATHS,
  refuseIntroducedEnvRefs,
  keyHasSecret,
} from '../secret-guards.ts';
import { maskSecrets, PROVIDER_SECRET_PATHS, readPath, restoreMasked } from '../secrets.ts';

export const ProviderRef = builder.loadableNode('Provider', {
  description: 'A configured upstream provider (openai, anthropic, a custom OpenAI-compatible one…).',
  id: { resolve: (p) => p.name },
  load: async (names: string[], ctx: Context) =>
    inKeyOrder(names, await listProviders(ctx.database, ctx.box), (p) => p.name, 'Provider'),
  fields: (t) => ({
    name: t.exposeID('name'),
    networkConfig: t.field({ type: 'JSON', nullable: true, resolve: (p) => p.networkConfig }),
    concurrencyAndBufferSize: t.field({
      type: 'JSON',
      nullable: true,
      resolve: (p) => p.concurrencyAndBufferSize,
    }),
    proxyConfig: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Proxy settings; the password is masked.',
      resolve: (p) => maskSecrets({ proxy_config: p.proxyConfig }, PROVIDER_SECRET_PATHS).proxy_config,
    }),
    customProviderConfig: t.field({ type: 'JSON', nullable: true, resolve: (p) => p.customProviderConfig }),
    sendBackRawResponse: t.exposeBoolean('sendBackRawResponse', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (p) => p.updatedAt }),
  }),
});

const providerSchema = providerConfigSchema
  .omit({ keys: true })
  .extend({ name: providerKeySchema.shape.name });
type Shape = ReturnType<typeof providerSchema.parse>;

/** The stored settings in plain text: what patches merge into and the guards compare. */
const toConfig = (p: ProviderRecord) => compact({ name: p.name, ...providerToConfig(p, 'plain') });

/**
 * A change of where the provider's traffic goes (base URL, proxy) would send its stored keys
 * there; through these mutations the keys cannot come along, so only the admin session (or a
 * provider without stored secrets) may do it. applyConfig can carry the keys: schema/config/.
 */
async function checkRepoint(
  db: Database,
  ctx: Context,
  shape: Shape,
  stored: ProviderRecord,
  path: (p: string) => string,
) {
  const before = toConfig(stored);
  const fields = changedDestinations(shape, before, PROVIDER_DESTINATION_PATHS);
  if (fields.length === 0) return;
  if (!mayRepointSecrets(ctx)) {
    // The proxy's own password goes to whatever proxy is named: a new proxy must come with it
    // re-entered (a mask or an untouched patch field restores the stored one, which is refused).
    const proxyMoved = fields.some((f) => f.startsWith('proxy_config.'));
    const storedPassword = readPath(before, ['proxy_config', 'password']);
    if (
      proxyMoved &&
      typeof storedPassword === 'string' &&
      storedPassword !== '' &&
      readPath(shape, ['proxy_config', 'password']) === storedPassword
    )
      throw new ValidationError([
        {
          path: path('proxy_config.password'),
          message: `changing provider "${shape.name}"'s proxy would send its stored proxy password there; send the password again in the same change, clear it, or make the change in the admin's session`,
        },
      ]);
    const keys = (await listProviderKeys(db, ctx.box, shape.name)).filter((key) =>
      keyHasSecret(providerKeyToConfig(key, 'plain')),
    );
    if (keys.length > 0)
      throw new ValidationError(
        fields.map((f) => ({
          path: path(f),
          message: `changing where provider "${shape.name}" sends its requests would send its stored keys (${keys.map((k) => k.name).join(', ')}) there; re-enter their values in the same change (applyConfig with providers.${shape.name}.keys), delete them first, or make the change in the admin's session`,
        })),
      );
  }
  logRepoint(ctx, { provider: shape.name }, fields, before, shape);
}

export const providerKit: EntityKit<Shape, ProviderRecord> = {
  kind: 'Provider',
  schema: providerSchema,
  idOf: (p) => p.name,
  toConfig,
  restore: (shape, row, path) => restoreMasked(shape, toConfig(row), PROVIDER_SECRET_PATHS, path),
  get: (db, ctx, name) => getProvider(db, ctx.box, name),
  create: (db, ctx, shape) => createProvider(db, ctx.box, providerFromConfig(shape.name, shape)),
  update: (db, ctx, name, shape) => {
    const { name: _name, ...patch } = providerFromConfig(shape.name, shape);
    return updateProvider(db, ctx.box, name, patch);
  },
  remove: deleteProvider,
  async check(db, ctx, shape, path) {
    const stored = await getProvider(db, ctx.box, shape.name);
    refuseIntroducedEnvRefs(ctx, shape, stored && toConfig(stored), path);
    if (stored) await checkRepoint(db, ctx, shape, stored, path);
  },
};

const settings = {
  networkConfig: 'network_config as in the config file (base_url, extra_headers, timeouts, retries…).',
  proxyConfig:
    'proxy_config as in the config file; the password may be a literal (encrypted at rest) or env.VAR.',
};

const ProviderInput = builder.inputType('ProviderInput', {
  fields: (t) => ({
    name: t.id({ required: true }),
    networkConfig: t.field({ type: 'JSON', description: settings.networkConfig }),
    concurrencyAndBufferSize: t.field({ type: 'JSON' }),
    proxyConfig: t.field({ type: 'JSON', description: settings.proxyConfig }),
    customProviderConfig: t.field({ type: 'JSON' }),
    sendBackRawResponse: t.boolean(),
  }),
});

const ProviderPatch = builder.inputType('ProviderPatch', {
  fields: (t) => ({
    networkConfig: t.field({ type: 'JSON', description: settings.networkConfig }),
    concurrencyAndBufferSize: t.field({ type: 'JSON' }),
    proxyConfig: t.field({ type: 'JSON', description: settings.proxyConfig }),
    customProviderConfig: t.field({ type: 'JSON' }),
    sendBackRawResponse: t.boolean(),
  }),
});

defineEntityMutations({ kit: providerKit, ref: ProviderRef, input: ProviderInput, patch: ProviderPatch });

const ProviderFilter = builder.inputType('ProviderFilter', {
  fields: (t) => ({ names: t.idList(), search: t.string({ description: 'Substring of the name.' }) }),
});

const order = orderInput<ProviderRecord>('Provider', { NAME: (p) => p.name, CREATED_AT: (p) => p.createdAt });

builder.queryFields((t) => ({
  provider: t.field({
    type: ProviderRef,
    nullable: true,
    args: { name: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      (await getProvider(ctx.database, ctx.box, String(args.name))) ?? null,
  }),
  providers: t.connection({
    type: ProviderRef,
    args: { filter: t.arg({ type: ProviderFilter }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const names = args.filter?.names?.map(String);
      const rows = (await listProviders(ctx.database, ctx.box)).filter(
        (p) => (!names || names.includes(p.name)) && matchesSearch(args.filter?.search, p.name),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
}));
