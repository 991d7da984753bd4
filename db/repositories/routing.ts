/** Routing rules (in evaluation order) and plugins. */
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import { defined, single, type Insert, type Managed, type Row } from './rows.ts';

export type RoutingRuleRecord = Row<'routingRules'>;
export type RoutingRuleInput = Omit<Insert<'routingRules'>, Managed>;
export type RoutingRulePatch = Partial<Omit<RoutingRuleInput, 'id'>>;
export type PluginRecord = Row<'plugins'>;
export type PluginInput = Omit<Insert<'plugins'>, Managed>;
export type PluginPatch = Partial<Omit<PluginInput, 'name'>>;

/** Rules sorted as the gateway evaluates them: priority ascending, then id for stability. */
export function listRoutingRules(db: Database): Promise<RoutingRuleRecord[]> {
  return db.run(({ orm, t }) =>
    orm.select().from(t.routingRules).orderBy(asc(t.routingRules.priority), asc(t.routingRules.id)),
  );
}

export function getRoutingRule(db: Database, id: string): Promise<RoutingRuleRecord | undefined> {
  return db.run(
    async ({ orm, t }) => (await orm.select().from(t.routingRules).where(eq(t.routingRules.id, id)))[0],
  );
}

export function createRoutingRule(db: Database, input: RoutingRuleInput): Promise<RoutingRuleRecord> {
  return db.run(async ({ orm, t }) =>
    single(await orm.insert(t.routingRules).values(input).returning(), 'createRoutingRule'),
  );
}

export function updateRoutingRule(
  db: Database,
  id: string,
  patch: RoutingRulePatch,
): Promise<RoutingRuleRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .update(t.routingRules)
      .set(defined(patch))
      .where(eq(t.routingRules.id, id))
      .returning();
    return rows[0];
  });
}

export function deleteRoutingRule(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.routingRules)
      .where(eq(t.routingRules.id, id))
      .returning({ id: t.routingRules.id });
    return rows.length > 0;
  });
}

export function listPlugins(db: Database): Promise<PluginRecord[]> {
  return db.run(({ orm, t }) => orm.select().from(t.plugins).orderBy(asc(t.plugins.name)));
}

export function getPlugin(db: Database, name: string): Promise<PluginRecord | undefined> {
  return db.run(
    async ({ orm, t }) => (await orm.select().from(t.plugins).where(eq(t.plugins.name, name)))[0],
  );
}

export function createPlugin(db: Database, input: PluginInput): Promise<PluginRecord> {
  return db.run(async ({ orm, t }) =>
    single(await orm.insert(t.plugins).values(input).returning(), 'createPlugin'),
  );
}

export function updatePlugin(
  db: Database,
  name: string,
  patch: PluginPatch,
): Promise<PluginRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm.update(t.plugins).set(defined(patch)).where(eq(t.plugins.name, name)).returning();
    return rows[0];
  });
}

export function deletePlugin(db: Database, name: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.plugins)
      .where(eq(t.plugins.name, name))
      .returning({ name: t.plugins.name });
    return rows.length > 0;
  });
}
