/**
 * Config as a whole: its version, the `configChanged` stream (the gateway's reload signal),
 * and declarative plan/apply/export of the config-file shape.
 */
import { getConfigVersion } from '../../db/index.ts';
import { builder } from '../builder.ts';
import type { ConfigChangedEvent } from '../pubsub.ts';

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
