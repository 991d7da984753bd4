/**
 * db/config-mapping/: what a file entity is written as (`…FromConfig`) reads back through
 * `…ToConfig` exactly as the file stated it, for every entity. A field added to one direction
 * and not the other fails here.
 */
import { describe, expect, it } from 'vitest';
import { readLiveConfig } from '../../../db/live/config.ts';
import { reconcileConfig } from '../../../db/reconcile.ts';
import { hashVirtualKey } from '../../../db/repositories/virtual-keys.ts';
import { FIXTURE_ENV, fixtureConfig } from '../fixture.ts';
import type { ContractContext } from './context.ts';

type Keyed = { id?: string; name?: string };
/** Lists compared by key: the database returns them in its own order. */
const byKey = <T extends Keyed>(list: readonly T[]): T[] =>
  [...list].sort((a, b) => String(a.id ?? a.name).localeCompare(String(b.id ?? b.name)));

export function configMappingTests(ctx: ContractContext): void {
  describe('row <-> config mapping', () => {
    it('every file entity reads back as the file stated it', async () => {
      const file = fixtureConfig();
      await reconcileConfig(ctx.db, file, ctx.box, { env: FIXTURE_ENV });
      const live = await readLiveConfig(ctx.db, ctx.box, { secrets: 'plain' });

      const { virtual_keys: fileKeys, auth_config: fileAuth, ...fileRest } = file.governance;
      const { virtual_keys: liveKeys, auth_config: liveAuth, ...liveRest } = live.governance;
      expect(Object.keys(liveRest).sort()).toEqual(Object.keys(fileRest).sort());
      for (const [section, entities] of Object.entries(fileRest))
        expect(byKey(liveRest[section as keyof typeof liveRest] as Keyed[]), section).toEqual(
          byKey(entities as Keyed[]),
        );

      // Only a virtual key's hash and last four characters are stored, never the value.
      const expectedKeys = fileKeys.map(({ value, ...vk }) => {
        const resolved = value.startsWith('env.') ? FIXTURE_ENV.VK_FROM_ENV : value;
        return { ...vk, value_hash: hashVirtualKey(resolved), value_suffix: resolved.slice(-4) };
      });
      expect(byKey(liveKeys)).toEqual(byKey(expectedKeys));
      // The admin password is stored as a hash on the admin user; it cannot be shown again.
      expect(liveAuth).toEqual({ ...fileAuth, admin_password: undefined });

      expect(Object.keys(live.providers).sort()).toEqual(Object.keys(file.providers).sort());
      for (const [name, { keys, ...settings }] of Object.entries(file.providers)) {
        const { keys: liveProviderKeys, ...liveSettings } = live.providers[name]!;
        expect(liveSettings, name).toEqual(settings);
        // The file names keys; the database gives each a row id as well.
        const withoutIds = liveProviderKeys.map(({ id: _id, ...key }) => key);
        expect(byKey(withoutIds), name).toEqual(byKey(keys.map(({ id: _id, ...key }) => key)));
      }

      expect(byKey(live.plugins)).toEqual(byKey(file.plugins));
      expect(live.client).toEqual(file.client);
    });
  });
}
