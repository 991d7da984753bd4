/**
 * Virtual keys and their per-provider configs. The key value is never stored: only its hex
 * SHA-256 (what the gateway matches requests against) and its last four characters.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database, Query } from '../connection/types.ts';
import { defined, single, within, type Insert, type Managed, type Row } from './rows.ts';

export type VirtualKeyProviderConfigRecord = Row<'virtualKeyProviderConfigs'>;
export type VirtualKeyRecord = Row<'virtualKeys'> & { providerConfigs: VirtualKeyProviderConfigRecord[] };
export type VirtualKeyProviderConfigInput = Omit<Insert<'virtualKeyProviderConfigs'>, 'id' | 'virtualKeyId'>;
export type VirtualKeyInput = Omit<Insert<'virtualKeys'>, Managed | 'valueHash' | 'valueSuffix'> & {
  /** The secret itself; hashed here and never stored. */
  value: string;
  providerConfigs?: VirtualKeyProviderConfigInput[];
};
/** `providerConfigs`, when present, replaces the key's whole list. */
export type VirtualKeyPatch = Partial<Omit<VirtualKeyInput, 'id'>>;

/** Hex SHA-256 of a virtual key value: the lookup key shared with the gateway snapshot. */
export function hashVirtualKey(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A fresh `sk-bf-…` value with 192 bits of randomness, for keys created through the API. */
export function generateVirtualKeyValue(): string {
  return `sk-bf-${randomBytes(24).toString('base64url')}`;
}

function valueColumns(value: string) {
  return { valueHash: hashVirtualKey(value), valueSuffix: value.slice(-4) };
}

/** Attaches provider configs with one query for however many keys. */
async function withConfigs({ orm, t }: Query, keys: Array<Row<'virtualKeys'>>): Promise<VirtualKeyRecord[]> {
  if (keys.length === 0) return [];
  const configs = await orm
    .select()
    .from(t.virtualKeyProviderConfigs)
    .where(
      inArray(
        t.virtualKeyProviderConfigs.virtualKeyId,
        keys.map((key) => key.id),
      ),
    )
    .orderBy(asc(t.virtualKeyProviderConfigs.id));
  const byKey = new Map<string, VirtualKeyProviderConfigRecord[]>();
  for (const config of configs) {
    const list = byKey.get(config.virtualKeyId) ?? [];
    list.push(config);
    byKey.set(config.virtualKeyId, list);
  }
  return keys.map((key) => ({ ...key, providerConfigs: byKey.get(key.id) ?? [] }));
}

export interface VirtualKeyFilter {
  ids?: readonly string[];
  teamIds?: readonly string[];
  customerIds?: readonly string[];
}

/** All keys, or those matching every filter given; provider configs come in one more query. */
export function listVirtualKeys(db: Database, filter: VirtualKeyFilter = {}): Promise<VirtualKeyRecord[]> {
  return db.run(async (q) => {
    const vk = q.t.virtualKeys;
    const rows = await q.orm
      .select()
      .from(vk)
      .where(
        and(
          within(vk.id, filter.ids),
          within(vk.teamId, filter.teamIds),
          within(vk.customerId, filter.customerIds),
        ),
      )
      .orderBy(asc(vk.id));
    return withConfigs(q, rows);
  });
}

export function getVirtualKey(db: Database, id: string): Promise<VirtualKeyRecord | undefined> {
  return db.run(async (q) => {
    const rows = await q.orm.select().from(q.t.virtualKeys).where(eq(q.t.virtualKeys.id, id));
    return (await withConfigs(q, rows))[0];
  });
}

/** The key a request presented, looked up by hash. */
export function findVirtualKeyByValue(db: Database, value: string): Promise<VirtualKeyRecord | undefined> {
  return db.run(async (q) => {
    const rows = await q.orm
      .select()
      .from(q.t.virtualKeys)
      .where(eq(q.t.virtualKeys.valueHash, hashVirtualKey(value)));
    return (await withConfigs(q, rows))[0];
  });
}

async function replaceConfigs(q: Query, id: string, configs: VirtualKeyProviderConfigInput[]): Promise<void> {
  await q.orm.delete(q.t.virtualKeyProviderConfigs).where(eq(q.t.virtualKeyProviderConfigs.virtualKeyId, id));
  if (configs.length > 0) {
    await q.orm
      .insert(q.t.virtualKeyProviderConfigs)
      .values(configs.map((config) => ({ ...config, virtualKeyId: id })));
  }
}

export function createVirtualKey(db: Database, input: VirtualKeyInput): Promise<VirtualKeyRecord> {
  const { value, providerConfigs = [], ...rest } = input;
  return db.transaction((tx) =>
    tx.run(async (q) => {
      const row = single(
        await q.orm
          .insert(q.t.virtualKeys)
          .values({ ...rest, ...valueColumns(value) })
          .returning(),
        'createVirtualKey',
      );
      await replaceConfigs(q, row.id, providerConfigs);
      return single(await withConfigs(q, [row]), 'createVirtualKey');
    }),
  );
}

export function updateVirtualKey(
  db: Database,
  id: string,
  patch: VirtualKeyPatch,
): Promise<VirtualKeyRecord | undefined> {
  const { value, providerConfigs, ...rest } = patch;
  return db.transaction((tx) =>
    tx.run(async (q) => {
      const [row] = await q.orm
        .update(q.t.virtualKeys)
        .set(defined({ ...rest, ...(value === undefined ? {} : valueColumns(value)) }))
        .where(eq(q.t.virtualKeys.id, id))
        .returning();
      if (!row) return undefined;
      if (providerConfigs) await replaceConfigs(q, id, providerConfigs);
      return (await withConfigs(q, [row]))[0];
    }),
  );
}

/** Deletes the key and, by cascade, its provider configs. */
export function deleteVirtualKey(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.virtualKeys)
      .where(eq(t.virtualKeys.id, id))
      .returning({ id: t.virtualKeys.id });
    return rows.length > 0;
  });
}
