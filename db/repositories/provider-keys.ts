/**
 * Provider keys. The key value and the credentials inside the *_key_config blocks are sealed at
 * rest (`env.VAR` references stay as written) and opened on read.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import { KEY_CONFIG_SECRETS, openFields, openSecret, sealFields, sealSecret } from '../secrets.ts';
import { defined, single, within, type Insert, type Managed, type Row } from './rows.ts';

export type ProviderKeyRecord = Row<'providerKeys'>;
export type ProviderKeyInput = Omit<Insert<'providerKeys'>, Managed | 'id'> & { id?: string | undefined };
export type ProviderKeyPatch = Partial<Omit<ProviderKeyInput, 'id' | 'provider'>>;

type SecretColumns = Pick<ProviderKeyRecord, 'value' | keyof typeof KEY_CONFIG_SECRETS>;

function transform<T extends Partial<SecretColumns>>(
  input: T,
  text: (value: string) => string,
  block: <B extends object>(value: B | null | undefined, fields: ReadonlyArray<keyof B & string>) => B | null,
): T {
  const out = { ...input };
  if (input.value !== undefined) out.value = text(input.value);
  if (input.azureKeyConfig !== undefined)
    out.azureKeyConfig = block(input.azureKeyConfig, KEY_CONFIG_SECRETS.azureKeyConfig);
  if (input.bedrockKeyConfig !== undefined)
    out.bedrockKeyConfig = block(input.bedrockKeyConfig, KEY_CONFIG_SECRETS.bedrockKeyConfig);
  if (input.vertexKeyConfig !== undefined)
    out.vertexKeyConfig = block(input.vertexKeyConfig, KEY_CONFIG_SECRETS.vertexKeyConfig);
  return out;
}

const seal = <T extends Partial<SecretColumns>>(box: SecretBox, input: T) =>
  transform(
    input,
    (v) => sealSecret(box, v),
    (v, f) => sealFields(box, v, f),
  );
const open = (box: SecretBox, row: ProviderKeyRecord) =>
  transform(
    row,
    (v) => openSecret(box, v),
    (v, f) => openFields(box, v, f),
  );

/** Keys of one provider (a name), of several (a list, for dataloaders), or of all, in a stable order. */
export function listProviderKeys(
  db: Database,
  box: SecretBox,
  provider?: string | readonly string[],
): Promise<ProviderKeyRecord[]> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .select()
      .from(t.providerKeys)
      .where(within(t.providerKeys.provider, typeof provider === 'string' ? [provider] : provider))
      .orderBy(asc(t.providerKeys.provider), asc(t.providerKeys.createdAt), asc(t.providerKeys.name));
    return rows.map((row) => open(box, row));
  });
}

export function getProviderKey(
  db: Database,
  box: SecretBox,
  id: string,
): Promise<ProviderKeyRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const [row] = await orm.select().from(t.providerKeys).where(eq(t.providerKeys.id, id));
    return row && open(box, row);
  });
}

export function createProviderKey(
  db: Database,
  box: SecretBox,
  input: ProviderKeyInput,
): Promise<ProviderKeyRecord> {
  return db.run(async ({ orm, t }) => {
    const values = seal(box, { ...input, id: input.id ?? randomUUID() });
    const rows = await orm.insert(t.providerKeys).values(values).returning();
    return open(box, single(rows, 'createProviderKey'));
  });
}

export function updateProviderKey(
  db: Database,
  box: SecretBox,
  id: string,
  patch: ProviderKeyPatch,
): Promise<ProviderKeyRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const [row] = await orm
      .update(t.providerKeys)
      .set(defined(seal(box, patch)))
      .where(eq(t.providerKeys.id, id))
      .returning();
    return row && open(box, row);
  });
}

export function deleteProviderKey(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.providerKeys)
      .where(eq(t.providerKeys.id, id))
      .returning({ id: t.providerKeys.id });
    return rows.length > 0;
  });
}
