/** Customers and teams: the owners above virtual keys, each with an optional budget and rate limit. */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import { defined, single, within, type Insert, type Managed, type Row } from './rows.ts';

export type CustomerRecord = Row<'customers'>;
export type CustomerInput = Omit<Insert<'customers'>, Managed>;
export type CustomerPatch = Partial<Omit<CustomerInput, 'id'>>;
export type TeamRecord = Row<'teams'>;
export type TeamInput = Omit<Insert<'teams'>, Managed>;
export type TeamPatch = Partial<Omit<TeamInput, 'id'>>;

export function listCustomers(
  db: Database,
  filter: { ids?: readonly string[] } = {},
): Promise<CustomerRecord[]> {
  return db.run(({ orm, t }) =>
    orm.select().from(t.customers).where(within(t.customers.id, filter.ids)).orderBy(asc(t.customers.id)),
  );
}

export function getCustomer(db: Database, id: string): Promise<CustomerRecord | undefined> {
  return db.run(
    async ({ orm, t }) => (await orm.select().from(t.customers).where(eq(t.customers.id, id)))[0],
  );
}

export function createCustomer(db: Database, input: CustomerInput): Promise<CustomerRecord> {
  return db.run(async ({ orm, t }) =>
    single(await orm.insert(t.customers).values(input).returning(), 'createCustomer'),
  );
}

export function updateCustomer(
  db: Database,
  id: string,
  patch: CustomerPatch,
): Promise<CustomerRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm.update(t.customers).set(defined(patch)).where(eq(t.customers.id, id)).returning();
    return rows[0];
  });
}

/** Fails with a foreign-key violation while teams or virtual keys still belong to the customer. */
export function deleteCustomer(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.customers)
      .where(eq(t.customers.id, id))
      .returning({ id: t.customers.id });
    return rows.length > 0;
  });
}

/** All teams, or those matching every filter given. */
export function listTeams(
  db: Database,
  filter: { ids?: readonly string[]; customerId?: string; customerIds?: readonly string[] } = {},
): Promise<TeamRecord[]> {
  return db.run(({ orm, t }) =>
    orm
      .select()
      .from(t.teams)
      .where(
        and(
          within(t.teams.id, filter.ids),
          filter.customerId === undefined ? undefined : eq(t.teams.customerId, filter.customerId),
          within(t.teams.customerId, filter.customerIds),
        ),
      )
      .orderBy(asc(t.teams.id)),
  );
}

export function getTeam(db: Database, id: string): Promise<TeamRecord | undefined> {
  return db.run(async ({ orm, t }) => (await orm.select().from(t.teams).where(eq(t.teams.id, id)))[0]);
}

export function createTeam(db: Database, input: TeamInput): Promise<TeamRecord> {
  return db.run(async ({ orm, t }) =>
    single(await orm.insert(t.teams).values(input).returning(), 'createTeam'),
  );
}

export function updateTeam(db: Database, id: string, patch: TeamPatch): Promise<TeamRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm.update(t.teams).set(defined(patch)).where(eq(t.teams.id, id)).returning();
    return rows[0];
  });
}

export function deleteTeam(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm.delete(t.teams).where(eq(t.teams.id, id)).returning({ id: t.teams.id });
    return rows.length > 0;
  });
}
