/** Providers (by name). The proxy password is sealed at rest and opened on read. */
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import { openFields, PROXY_SECRETS, sealFields } from '../secrets.ts';
import { defined, single, type Insert, type Managed, type Row } from './rows.ts';

export type ProviderRecord = Row<'providers'>;
export type ProviderInput = Omit<Insert<'providers'>, Managed>;
export type ProviderPatch = Partial<Omit<ProviderInput, 'name'>>;

const open = (box: SecretBox, row: ProviderRecord): ProviderRecord => ({
  ...row,
  proxyConfig: openFields(box, row.proxyConfig, PROXY_SECRETS),
});

function seal<T extends ProviderPatch>(box: SecretBox, input: T): T {
  if (input.proxyConfig === undefined) return input;
  return { ...input, proxyConfig: sealFields(box, input.proxyConfig, PROXY_SECRETS) };
}

export function listProviders(db: Database, box: SecretBox): Promise<ProviderRecord[]> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm.select().from(t.providers).orderBy(asc(t.providers.name));
    return rows.map((row) => open(box, row));
  });
}

export function getProvider(db: Database, box: SecretBox, name: string): Promise<ProviderRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const [row] = await orm.select().from(t.providers).where(eq(t.providers.name, name));
    return row && open(box, row);
  });
}

export function createProvider(db: Database, box: SecretBox, input: ProviderInput): Promise<ProviderRecord> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm.insert(t.providers).values(seal(box, input)).returning();
    return open(box, single(rows, 'createProvider'));
  });
}

export function updateProvider(
  db: Database,
  box: SecretBox,
  name: string,
  patch: ProviderPatch,
): Promise<ProviderRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const [row] = await orm
      .update(t.providers)
      .set(defined(seal(box, patch)))
      .where(eq(t.providers.name, name))
      .returning();
    return row && open(box, row);
  });
}

/** Deletes the provider and, by cascade, its keys. */
export function deleteProvider(db: Database, name: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.providers)
      .where(eq(t.providers.name, name))
      .returning({ name: t.providers.name });
    return rows.length > 0;
  });
}
