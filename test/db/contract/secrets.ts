import { describe, expect, it } from 'vitest';
import { hashVirtualKey } from '../../../db/repositories/virtual-keys.ts';
import { readLiveConfig } from '../../../db/live/config.ts';
import { readSnapshotSource } from '../../../db/live/snapshot.ts';
import { reconcileConfig } from '../../../db/reconcile.ts';
import { FIXTURE_ENV, fixtureConfig, PLAINTEXT_SECRETS } from '../fixture.ts';
import { rawTables } from '../support.ts';
import type { ContractContext } from './context.ts';

export function secretTests(ctx: ContractContext): void {
  const seed = () => reconcileConfig(ctx.db, fixtureConfig(), ctx.box, { env: FIXTURE_ENV });

  describe('secrets at rest and live reads', () => {
    it('no plaintext secret appears in any table; env references are stored as written', async () => {
      await seed();
      const dump = JSON.stringify(await rawTables(ctx.db));
      for (const secret of PLAINTEXT_SECRETS) expect(dump).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(dump).not.toContain('fixture-vertex-pk');
      expect(dump).not.toContain(FIXTURE_ENV.OPENAI_KEY_2);
      expect(dump).toContain('env.OPENAI_KEY_2');
      expect(dump).toContain('enc:v1:');
    });

    it('readLiveConfig shows secrets plain, masked or as references', async () => {
      await seed();
      const plain = await readLiveConfig(ctx.db, ctx.box, { secrets: 'plain' });
      const openai = plain.providers.openai!;
      expect(Object.fromEntries(openai.keys.map((k) => [k.name, k.value]))).toEqual({
        'openai-primary': 'sk-literal-openai-primary-0001',
        'openai-secondary': 'env.OPENAI_KEY_2',
        'openai-batch': 'sk-literal-openai-batch-0002',
      });
      expect(openai.proxy_config?.password).toBe('fixture-proxy-password');
      expect(plain.providers.bedrock?.keys[0]?.bedrock_key_config?.secret_key).toBe(
        'fixture-bedrock-secret-key-zz',
      );
      expect(plain.governance.budgets.find((b) => b.id === 'budget-tiny')?.max_limit).toBe(0.3);
      expect(plain.governance.virtual_keys.find((vk) => vk.id === 'vk-dev-all')).toMatchObject({
        value_hash: hashVirtualKey('vk-dev-all-secret-token'),
        value_suffix: 'oken',
      });
      expect(plain.client.drop_excess_requests).toBe(true);
      expect(plain.plugins).toEqual([
        { name: 'governance', enabled: true, version: 1, config: { is_vk_mandatory: true } },
      ]);
      expect(plain.version).toBe(1);

      const masked = JSON.stringify(await readLiveConfig(ctx.db, ctx.box, { secrets: 'masked' }));
      const reference = await readLiveConfig(ctx.db, ctx.box, { secrets: 'reference' });
      for (const secret of PLAINTEXT_SECRETS) {
        expect(masked).not.toContain(secret);
        expect(JSON.stringify(reference)).not.toContain(secret);
      }
      expect(masked).toContain('********0001');
      expect(masked).toContain('env.OPENAI_KEY_2');
      expect(reference.providers.openai?.keys.find((k) => k.name === 'openai-primary')?.value).toBe(
        'env.OPENAI_OPENAI_PRIMARY_VALUE',
      );
      expect(reference.providers.bedrock?.keys[0]?.bedrock_key_config?.region).toBe('us-east-1');
      expect(reference.governance.auth_config?.admin_password).toBe('env.ADMIN_PASSWORD');
    });

    it('readSnapshotSource gives the gateway hashes, micros and decrypted keys', async () => {
      await seed();
      const snapshot = await readSnapshotSource(ctx.db, ctx.box);
      expect(snapshot.version).toBe(1);
      const vk = snapshot.governance.virtual_keys.find((k) => k.id === 'vk-env');
      expect(vk).toMatchObject({
        valueHash: hashVirtualKey('vk-env-resolved-token'),
        is_active: false,
        customer_id: 'customer-acme',
      });
      expect(JSON.stringify(snapshot)).not.toContain('vk-env-resolved-token');
      expect(snapshot.governance.budgets.find((b) => b.id === 'budget-enterprise')).toEqual({
        id: 'budget-enterprise',
        max_limit_micros: 5_000_000_000,
        reset_duration: '1M',
        calendar_aligned: false,
        mode: 'strict',
      });
      const vertex = snapshot.providers.find((p) => p.name === 'vertex');
      expect(vertex?.keys[0]?.vertex_key_config?.auth_credentials).toContain('fixture-vertex-pk');
      expect(snapshot.governance.routing_rules.map((r) => r.id)).toEqual([
        'route-team',
        'route-gpt-to-azure',
      ]);
      expect(snapshot.client.allowed_origins).toEqual(['https://app.example.com']);
    });

    it('reads the live state with a fixed number of statements, however many entities', async () => {
      await seed();
      const before = ctx.db.statementCount;
      await readSnapshotSource(ctx.db, ctx.box);
      const small = ctx.db.statementCount - before;
      await reconcileConfig(
        ctx.db,
        fixtureConfig((raw) => {
          const gov = raw.governance as { virtual_keys: unknown[] };
          for (let i = 0; i < 20; i++)
            gov.virtual_keys.push({
              id: `extra-${i}`,
              name: 'x',
              value: `extra-virtual-key-value-${i}`,
              provider_configs: [{ provider: 'openai' }],
            });
        }),
        ctx.box,
        { env: FIXTURE_ENV },
      );
      const mark = ctx.db.statementCount;
      await readSnapshotSource(ctx.db, ctx.box);
      expect(ctx.db.statementCount - mark).toBe(small);
    });
  });
}
