/**
 * Admin sessions follow the configured credentials (issue 11, High 5), in process on both
 * dialects: the cases the end-to-end test (test/e2e/security-admin.test.ts) does not restart for.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminCredentials, createAuthenticator, ensureAdminUser } from '../../api/graphql/auth.ts';
import { validateConfig } from '../../db/config/load.ts';
import {
  createAdminToken,
  createSecretBox,
  findAdminToken,
  getAdminUser,
  listAdminUsers,
  openDatabase,
  reconcileConfig,
  setAdminPassword,
  type Database,
} from '../../db/index.ts';
import { InvalidCredentialsError } from '../../schema/errors.ts';
import { createTestDatabase } from '../support/postgres.ts';

const box = createSecretBox('security-admin-sessions');

describe.each(['sqlite', 'postgres'] as const)(
  '%s: admin sessions follow the configured credentials',
  (dialect) => {
    let db: Database;
    let drop: () => Promise<void> = async () => undefined;
    beforeEach(async () => {
      if (dialect === 'sqlite') {
        db = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), 'heimdall-admin-sessions-')) });
      } else {
        const pg = await createTestDatabase('heimdall_admin_sessions');
        db = await openDatabase({ url: pg.url, maxConnections: 2 });
        drop = () => pg.drop();
      }
    });
    afterEach(async () => {
      await db.close();
      await drop();
    });

    /** One start-up's worth of admin handling: reconcile the file, then sync the admin. */
    async function start(auth: Record<string, unknown>, env: NodeJS.ProcessEnv) {
      const { config } = validateConfig(
        { governance: { auth_config: { is_enabled: true, ...auth } } },
        { env },
      );
      await reconcileConfig(db, config, box, { env });
      const settings = config.governance.auth_config;
      await ensureAdminUser(db, adminCredentials(settings, env));
      return createAuthenticator({ database: db, env, settings });
    }

    it('an env.VAR password rotated in the environment (file unchanged) revokes the sessions', async () => {
      const auth = { admin_username: 'ops', admin_password: 'env.ADMIN_PW' };
      const first = await start(auth, { ADMIN_PW: 'first-secret' });
      const { token } = await first.login('ops', 'first-secret', 'client-1');

      await start(auth, { ADMIN_PW: 'first-secret' });
      expect(await findAdminToken(db, token)).toBeDefined();

      const rotated = await start(auth, { ADMIN_PW: 'second-secret' });
      expect(await findAdminToken(db, token)).toBeUndefined();
      await expect(rotated.login('ops', 'first-secret', 'client-1')).rejects.toThrow(InvalidCredentialsError);
      await expect(rotated.login('ops', 'second-secret', 'client-1')).resolves.toMatchObject({
        username: 'ops',
      });
    });

    it('auth on without admin credentials leaves no password login; API tokens stay', async () => {
      const before = await start({ admin_username: 'ops', admin_password: 'ops-password' }, {});
      const { token: session } = await before.login('ops', 'ops-password', 'client-1');
      const { token: apiToken } = await createAdminToken(db, {
        userId: null,
        name: 'dashboard',
        scopes: ['read'],
        expiresAt: null,
      });

      const after = await start({}, {});
      expect(await listAdminUsers(db)).toEqual([]);
      expect(await findAdminToken(db, session)).toBeUndefined();
      expect(await after.authenticate(apiToken)).toMatchObject({ kind: 'token' });
      await expect(after.login('ops', 'ops-password', 'client-1')).rejects.toThrow(InvalidCredentialsError);
    });

    it('login refuses a user the database holds but the config does not name', async () => {
      await start({ admin_username: 'alice', admin_password: 'alice-password' }, {});
      const auth = createAuthenticator({
        database: db,
        env: {},
        settings: { is_enabled: true, admin_username: 'bob', admin_password: 'bob-password' },
      });
      await expect(auth.login('alice', 'alice-password', 'client-1')).rejects.toThrow(
        InvalidCredentialsError,
      );
    });

    it('setAdminPassword revokes sessions only when the password really changes', async () => {
      const auth = await start({ admin_username: 'ops', admin_password: 'ops-password' }, {});
      const user = (await getAdminUser(db, 'ops'))!;
      const { token } = await auth.login('ops', 'ops-password', 'client-1');
      await setAdminPassword(db, user.id, 'ops-password');
      expect(await findAdminToken(db, token)).toBeDefined();
      await setAdminPassword(db, user.id, 'another-password');
      expect(await findAdminToken(db, token)).toBeUndefined();
    });
  },
);
