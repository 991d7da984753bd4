/**
 * SQLite column helpers with the same names and TypeScript types as postgres/columns.ts; see
 * there for why. SQLite has no boolean or JSON type, so drizzle's modes map them to integer 0/1
 * and text, and callers still get real booleans and parsed objects.
 */
import { integer, real, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core';

export { check, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const table = sqliteTable;

export const text = (name: string) => sqliteText(name);

export const int = (name: string) => integer(name, { mode: 'number' });

export const micros = (name: string) => integer(name, { mode: 'number' });

export const millis = (name: string) => integer(name, { mode: 'number' });

export const count = (name: string) => integer(name, { mode: 'number' });

export const float = (name: string) => real(name);

export const bool = (name: string) => integer(name, { mode: 'boolean' });

export const json = <T>(name: string) => sqliteText(name, { mode: 'json' }).$type<T>();

export const serial = (name: string) => integer(name, { mode: 'number' }).primaryKey({ autoIncrement: true });
