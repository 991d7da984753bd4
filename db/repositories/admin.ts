/**
 * Admin users and API tokens for the control plane. Passwords are argon2id hashes (written by
 * the API at start-up), scrypt hashes (written by config reconciliation) or an `env.VAR`
 * reference the login compares against, when the password lives in a Kubernetes Secret; tokens
 * are stored as SHA-256 hashes and shown once, at creation.
 *
 * Sessions are the tokens bound to a user (`user_id`); API tokens are not bound to anyone and
 * outlive admin renames. A user's sessions end with the user and with every password change.
 */
import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import { asc, eq, inArray } from 'drizzle-orm';
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

/**
 * Whether a stored credential (argon2id, scrypt or `env.VAR` reference) accepts `password`.
 * Async because argon2 is; `verifyPassword` is the synchronous check for the other two forms.
 */
export async function passwordAccepted(
  stored: string,
  password: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  if (stored.startsWith('$argon2')) return argon2.verify(stored, password).catch(() => false);
  return verifyPassword(stored, password, env);
}

/** Deletes the sessions (tokens bound to a user) of these users; API tokens are not bound to one. */
export function revokeUserSessions(db: Database, userIds: string[]): Promise<number> {
  if (userIds.length === 0) return Promise.resolve(0);
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.adminTokens)
      .where(inArray(t.adminTokens.userId, userIds))
      .returning({ id: t.adminTokens.id });
    return rows.length;
  });
}

export interface StoredCredential {
  /** What the credential stands for, to tell a changed password from a re-hash of the same one. */
  password: string | undefined;
  /** What to store: a hash, or an `env.VAR` reference as written. */
  stored: string;
}

/**
 * Stores a user's credential, creating the user when the username is new. Unless the previous
 * credential already accepted the same password, the user's sessions are revoked: whoever logged
 * in with the old password is logged out, while re-hashing the same password logs out no one.
 */
export function storeAdminCredential(
  db: Database,
  username: string,
  credential: StoredCredential,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ user: AdminUserRecord; revokedSessions: number }> {
  // One transaction: no login may slip in between the new password and the revocation.
  return db.transaction(async (tx) => {
    const before = await getAdminUser(tx, username);
    if (!before) {
      const values = { id: randomUUID(), username, passwordHash: credential.stored };
      const rows = await tx.run(({ orm, t }) => orm.insert(t.adminUsers).values(values).returning());
      return { user: single(rows, 'storeAdminCredential'), revokedSessions: 0 };
    }
    const same =
      credential.password !== undefined &&
      (await passwordAccepted(before.passwordHash, credential.password, env));
    const user = await tx.run(async ({ orm, t }) =>
      single(
        await orm
          .update(t.adminUsers)
          .set({ passwordHash: credential.stored, updatedAt: Date.now() })
          .where(eq(t.adminUsers.id, before.id))
          .returning(),
        'storeAdminCredential',
      ),
    );
    return { user, revokedSessions: same ? 0 : await revokeUserSessions(tx, [before.id]) };
  });
}

/** Sets a password (hashed with scrypt) or `env.VAR` reference; see storeAdminCredential. */
export async function setAdminPassword(
  db: Database,
  id: string,
  password: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const user = await db.run(
    async ({ orm, t }) => (await orm.select().from(t.adminUsers).where(eq(t.adminUsers.id, id)))[0],
  );
  if (!user) return false;
  const plain = isEnvRef(password as unknown) ? resolveEnvRef(password, env) : password;
  await storeAdminCredential(db, user.username, { password: plain, stored: storedPassword(password) }, env);
  return true;
}

/**
 * Deletes every admin user except `keep` (none when undefined), with their sessions, and
 * returns the usernames removed: with auth on, the configured admin is the only password login.
 */
export function removeAdminUsersExcept(db: Database, keep: string | undefined): Promise<string[]> {
  return db.transaction(async (tx) => {
    const removed = (await listAdminUsers(tx)).filter((user) => user.username !== keep);
    if (removed.length === 0) return [];
    const ids = removed.map((user) => user.id);
    // Explicit rather than left to ON DELETE CASCADE, so no session survives a store whose
    // foreign keys are not enforced.
    await revokeUserSessions(tx, ids);
    await tx.run(({ orm, t }) => orm.delete(t.adminUsers).where(inArray(t.adminUsers.id, ids)));
    return removed.map((user) => user.username);
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
  return user && (await passwordAccepted(user.passwordHash, password)) ? user : undefined;
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
