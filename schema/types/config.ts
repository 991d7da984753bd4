/**
 * Config as a whole: its version, the `configChanged` stream (the gateway's reload signal),
 * and declarative plan/apply/export of the config-file shape.
 */
import { getConfigVersion, readLiveConfig } from '../../db/index.ts';
import { builder } from '../builder.ts';
import { applyConfigDocument, type ApplyResult } from '../config/apply.ts';
import { DEFAULT_APPLY_TARGET, recordAppliedConfig } from './applied-config.ts';
import type { FieldChange, PlanEntry } from '../config/plan.ts';
import { MUTATION_ERRORS } from '../errors.ts';
import type { ConfigChangedEvent } from '../../clients/contract/snapshot.ts';

const ConfigChanged = builder.objectRef<ConfigChangedEvent>('ConfigChanged').implement({
  description:
    'A committed config change. Fetch what you need again; the event names only what kinds changed.',
  fields: (t) => ({
    version: t.exposeInt('version', { description: 'The config version after the change.' }),
    changed: t.exposeStringList('changed', {
      description: 'Entity kinds that changed, e.g. ["VirtualKey"].',
    }),
  }),
});

builder.queryField('configVersion', (t) =>
  t.int({
    description: 'The monotonic config version; bumps on every committed change.',
    resolve: (_root, _args, ctx) => getConfigVersion(ctx.database),
  }),
);

builder.subscriptionField('configChanged', (t) =>
  t.field({
    type: ConfigChanged,
    description: 'Every committed config change, cluster-wide. Gateways subscribe with a `gateway` token.',
    skipTypeScopes: true,
    authScopes: { read: true, gateway: true },
    subscribe: (_root, _args, ctx) => ctx.pubsub.subscribe('configChanged'),
    resolve: (event) => event,
  }),
);

const PlanAction = builder.enumType('PlanAction', {
  values: {
    CREATE: { value: 'create' },
    UPDATE: { value: 'update' },
    DELETE: { value: 'delete' },
    UNCHANGED: { value: 'unchanged' },
  } as const,
});

const FieldChangeRef = builder.objectRef<FieldChange>('FieldChange').implement({
  description: 'One field that differs; secrets appear masked.',
  fields: (t) => ({
    path: t.exposeString('path'),
    before: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.before }),
    after: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.after }),
  }),
});

const PlanEntryRef = builder.objectRef<PlanEntry>('PlanEntry').implement({
  fields: (t) => ({
    kind: t.exposeString('kind', {
      description:
        'budget, rate_limit, customer, team, provider, provider_key, virtual_key, model_config, provider_governance, routing_rule, plugin or client.',
    }),
    id: t.exposeString('id'),
    action: t.field({ type: PlanAction, resolve: (e) => e.action }),
    changes: t.field({ type: [FieldChangeRef], resolve: (e) => e.changes }),
  }),
});

const count = (result: ApplyResult, action: PlanEntry['action']) =>
  result.entries.filter((e) => e.action === action).length;

const ConfigPlanRef = builder.objectRef<ApplyResult>('ConfigPlan').implement({
  description: 'What applyConfig changes (or would change, for a dry run), entity by entity.',
  fields: (t) => ({
    entries: t.field({
      type: [PlanEntryRef],
      description: 'Every entity of the document (and deletions).',
      resolve: (r) => r.entries,
    }),
    changes: t.field({
      type: [PlanEntryRef],
      description: 'Entries that are not unchanged.',
      resolve: (r) => r.entries.filter((e) => e.action !== 'unchanged'),
    }),
    hasChanges: t.boolean({ resolve: (r) => r.entries.some((e) => e.action !== 'unchanged') }),
    creates: t.int({ resolve: (r) => count(r, 'create') }),
    updates: t.int({ resolve: (r) => count(r, 'update') }),
    deletes: t.int({ resolve: (r) => count(r, 'delete') }),
    unchanged: t.int({ resolve: (r) => count(r, 'unchanged') }),
    applied: t.exposeBoolean('applied'),
    version: t.exposeInt('version', { nullable: true, description: 'Config version after applying.' }),
    warnings: t.exposeStringList('warnings'),
  }),
});

builder.mutationField('applyConfig', (t) =>
  t.field({
    type: ConfigPlanRef,
    description:
      'Applies a Bifrost-shaped config document (the config file model) declaratively, in one transaction. `dryRun` only plans. `prune` also deletes what the document does not list, within the sections it mentions. Masked secrets (from exportConfig) keep the stored ones; virtual keys without `value` keep theirs.',
    args: {
      document: t.arg({ type: 'JSON', required: true }),
      dryRun: t.arg.boolean({ defaultValue: false }),
      prune: t.arg.boolean({ defaultValue: false }),
      target: t.arg.string({
        defaultValue: DEFAULT_APPLY_TARGET,
        description: 'Names the document for lastAppliedConfig (drift detection); one per config file.',
      }),
    },
    errors: { types: MUTATION_ERRORS },
    resolve: async (_root, args, ctx) => {
      const dryRun = args.dryRun ?? false;
      const result = await applyConfigDocument(ctx, args.document, { dryRun, prune: args.prune ?? false });
      if (!dryRun)
        await recordAppliedConfig(
          ctx.database,
          args.target ?? DEFAULT_APPLY_TARGET,
          args.document,
          result.version,
        );
      return result;
    },
  }),
);

const ExportSecrets = builder.enumType('ExportSecrets', {
  values: {
    MASKED: {
      value: 'masked',
      description: 'Literal secrets as `********abcd`; applying the export keeps them.',
    },
    REFERENCE: {
      value: 'reference',
      description: 'Literal secrets as `env.NAME` placeholders, for a file you commit.',
    },
  } as const,
});

builder.queryField('exportConfig', (t) =>
  t.field({
    type: 'JSON',
    description:
      'The live config in the config-file shape. Virtual keys carry value_hash/value_suffix, never a value.',
    args: { secrets: t.arg({ type: ExportSecrets, defaultValue: 'masked' }) },
    resolve: async (_root, args, ctx) => {
      const { version: _version, ...config } = await readLiveConfig(ctx.database, ctx.box, {
        secrets: args.secrets ?? 'masked',
      });
      return config;
    },
  }),
);
