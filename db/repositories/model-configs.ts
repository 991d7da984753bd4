/** Model-level and provider-level governance: budgets and rate limits independent of keys. */
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import { defined, single, type Insert, type Managed, type Row } from './rows.ts';

export type ModelConfigRecord = Row<'modelConfigs'>;
export type ModelConfigInput = Omit<Insert<'modelConfigs'>, Managed>;
export type ModelConfigPatch = Partial<Omit<ModelConfigInput, 'id'>>;
export type ProviderGovernanceRecord = Row<'providerGovernance'>;
export type ProviderGovernanceInput = Omit<Insert<'providerGovernance'>, Managed>;
export type ProviderGovernancePatch = Partial<Omit<ProviderGovernanceInput, 'name'>>;

export function listModelConfigs(db: Database): Promise<ModelConfigRecord[]> {
  return db.run(({ orm, t }) => orm.select().from(t.modelConfigs).orderBy(asc(t.modelConfigs.id)));
}

export function getModelConfig(db: Database, id: string): Promise<ModelConfigRecord | undefined> {
  return db.run(
    async ({ orm, t }) => (await orm.select().from(t.modelConfigs).where(eq(t.modelConfigs.id, id)))[0],
  );
}

export function createModelConfig(db: Database, input: ModelConfigInput): Promise<ModelConfigRecord> {
  return db.run(async ({ orm, t }) =>
    single(await orm.insert(t.modelConfigs).values(input).returning(), 'createModelConfig'),
  );
}

export function updateModelConfig(
  db: Database,
  id: string,
  patch: ModelConfigPatch,
): Promise<ModelConfigRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .update(t.modelConfigs)
      .set(defined(patch))
      .where(eq(t.modelConfigs.id, id))
      .returning();
    return rows[0];
  });
}

export function deleteModelConfig(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.modelConfigs)
      .where(eq(t.modelConfigs.id, id))
      .returning({ id: t.modelConfigs.id });
    return rows.length > 0;
  });
}

export function listProviderGovernance(db: Database): Promise<ProviderGovernanceRecord[]> {
  return db.run(({ orm, t }) =>
    orm.select().from(t.providerGovernance).orderBy(asc(t.providerGovernance.name)),
  );
}

export function getProviderGovernance(
  db: Database,
  name: string,
): Promise<ProviderGovernanceRecord | undefined> {
  return db.run(
    async ({ orm, t }) =>
      (await orm.select().from(t.providerGovernance).where(eq(t.providerGovernance.name, name)))[0],
  );
}

export function createProviderGovernance(
  db: Database,
  input: ProviderGovernanceInput,
): Promise<ProviderGovernanceRecord> {
  return db.run(async ({ orm, t }) =>
    single(await orm.insert(t.providerGovernance).values(input).returning(), 'createProviderGovernance'),
  );
}

export function updateProviderGovernance(
  db: Database,
  name: string,
  patch: ProviderGovernancePatch,
): Promise<ProviderGovernanceRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .update(t.providerGovernance)
      .set(defined(patch))
      .where(eq(t.providerGovernance.name, name))
      .returning();
    return rows[0];
  });
}

export function deleteProviderGovernance(db: Database, name: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.providerGovernance)
      .where(eq(t.providerGovernance.name, name))
      .returning({ name: t.providerGovernance.name });
    return rows.length > 0;
  });
}
