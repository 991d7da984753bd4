/**
 * Admin users and API tokens for the control plane. Passwords are scrypt hashes (or an `env.VAR`
 * reference the login compares against, when the password lives in a Kubernetes Secret); tokens
 * are stored as SHA-256 hashes and shown once, at creation.
 */
import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { isEnvRef, resolveEnvRef } from '../config/env-ref.ts';
import type { Database } from '../connection/types.ts';
import { single, type Managed, type Row } from './rows.ts';

export type AdminUserRecord = Row<'adminUsers'>;
export type AdminTokenRecord = Row<'adminTokens'>;

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** Checks a password against a stored hash or `env.VAR` reference, in constant time. */
export function verifyPassword(
  stored: string,
  password: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (isEnvRef(stored as unknown)) {
    const expected = resolveEnvRef(stored, env);
    return expected !== undefined && sameBytes(Buffer.from(expected), Buffer.from(password));
  }
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return sameBytes(expected, actual);
}

export interface AdminUserInput {
  id?: string;
  username: string;
  /** Plain password (hashed here) or an `env.VAR` reference (stored as written). */
  password: string;
}

const storedPassword = (password: string): string =>
  isEnvRef(password as unknown) ? password : hashPassword(password);

export function listAdminUsers(db: Database): Promise<AdminUserRecord[]> {
  return db.run(({ orm, t }) => orm.select().from(t.adminUsers).orderBy(asc(t.adminUsers.username)));
}

export function getAdminUser(db: Database, username: string): Promise<AdminUserRecord | undefined> {
  return db.run(
    async ({ orm, t }) =>
      (await orm.select().from(t.adminUsers).where(eq(t.adminUsers.username, username)))[0],
  );
}

export function createAdminUser(db: Database, input: AdminUserInput): Promise<AdminUserRecord> {
  return db.run(async ({ orm, t }) => {
    const values = {
      id: input.id ?? randomUUID(),
      username: input.username,
      passwordHash: storedPassword(input.password),
    };
    return single(await orm.insert(t.adminUsers).values(values).returning(), 'createAdminUser');
  });
}

export function setAdminPassword(db: Database, id: string, password: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .update(t.adminUsers)
      .set({ passwordHash: storedPassword(password) })
      .where(eq(t.adminUsers.id, id))
      .returning({ id: t.adminUsers.id });
    return rows.length > 0;
  });
}

/**
 * Stores a hash computed elsewhere (the API layer hashes admin passwords with argon2), creating
 * the user when the username is new. `verifyPassword` above does not understand argon2 hashes;
 * the caller verifies them.
 */
export function saveAdminPasswordHash(
  db: Database,
  username: string,
  passwordHash: string,
): Promise<AdminUserRecord> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .insert(t.adminUsers)
      .values({ id: randomUUID(), username, passwordHash })
      .onConflictDoUpdate({ target: t.adminUsers.username, set: { passwordHash, updatedAt: Date.now() } })
      .returning();
    return single(rows, 'saveAdminPasswordHash');
  });
}

export function deleteAdminUser(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.adminUsers)
      .where(eq(t.adminUsers.id, id))
      .returning({ id: t.adminUsers.id });
    return rows.length > 0;
  });
}

/** The user when username and password match, else undefined (same answer for either mistake). */
export async function verifyAdminLogin(
  db: Database,
  username: string,
  password: string,
): Promise<AdminUserRecord | undefined> {
  const user = await getAdminUser(db, username);
  return user && verifyPassword(user.passwordHash, password) ? user : undefined;
}

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export type AdminTokenInput = Omit<
  AdminTokenRecord,
  Managed | 'id' | 'tokenHash' | 'lastUsedAt' | 'createdAt'
> & {
  id?: string;
};

/** Creates a token; the returned `token` is the only time its value is available. */
export function createAdminToken(
  db: Database,
  input: AdminTokenInput,
): Promise<{ token: string; record: AdminTokenRecord }> {
  const token = `hd_${randomBytes(32).toString('base64url')}`;
  return db.run(async ({ orm, t }) => {
    const values = { ...input, id: input.id ?? randomUUID(), tokenHash: hashToken(token) };
    return {
      token,
      record: single(await orm.insert(t.adminTokens).values(values).returning(), 'createAdminToken'),
    };
  });
}

/** The token's record if it exists and has not expired at `now`. */
export function findAdminToken(
  db: Database,
  token: string,
  now = Date.now(),
): Promise<AdminTokenRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const [row] = await orm
      .select()
      .from(t.adminTokens)
      .where(eq(t.adminTokens.tokenHash, hashToken(token)));
    return row && (row.expiresAt === null || row.expiresAt > now) ? row : undefined;
  });
}

export function listAdminTokens(db: Database): Promise<AdminTokenRecord[]> {
  return db.run(({ orm, t }) =>
    orm.select().from(t.adminTokens).orderBy(asc(t.adminTokens.createdAt), asc(t.adminTokens.id)),
  );
}

export function touchAdminToken(db: Database, id: string, at = Date.now()): Promise<void> {
  return db.run(async ({ orm, t }) => {
    await orm.update(t.adminTokens).set({ lastUsedAt: at }).where(eq(t.adminTokens.id, id));
  });
}

export function deleteAdminToken(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.adminTokens)
      .where(eq(t.adminTokens.id, id))
      .returning({ id: t.adminTokens.id });
    return rows.length > 0;
  });
}
