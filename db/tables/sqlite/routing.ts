// GENERATED from db/tables/postgres/routing.ts by db/tables/generate.ts; edit that file, not this one.
/** Routing rules and plugins: declarative config the gateway compiles into its snapshot. */
import type { RoutingScope, RoutingTarget } from '../../config-types.ts';
import { bool, index, int, json, table, text } from './columns.ts';
import { timestamps } from './timestamps.ts';

export const routingRules = table(
  'routing_rules',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description'),
    enabled: bool('enabled').notNull().default(true),
    celExpression: text('cel_expression').notNull(),
    targets: json<RoutingTarget[]>('targets').notNull(),
    fallbacks: json<string[]>('fallbacks')
      .notNull()
      .$defaultFn(() => []),
    scope: text('scope').$type<RoutingScope>().notNull().default('global'),
    /** Id of the team, customer or virtual key; polymorphic, so not a foreign key. */
    scopeId: text('scope_id'),
    /** Lower runs first. */
    priority: int('priority').notNull().default(0),
    ...timestamps(),
  },
  (t) => [index('routing_rules_scope_idx').on(t.scope, t.scopeId)],
);

export const plugins = table('plugins', {
  name: text('name').primaryKey(),
  enabled: bool('enabled').notNull().default(true),
  /** The config file re-seeds a plugin only when its version is higher than this. */
  version: int('version').notNull().default(1),
  config: json<Record<string, unknown>>('config')
    .notNull()
    .$defaultFn(() => ({})),
  ...timestamps(),
});
