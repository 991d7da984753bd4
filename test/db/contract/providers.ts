import { describe, expect, it } from 'vitest';
import { constraintViolation } from '../../../db/errors.ts';
import * as keys from '../../../db/repositories/provider-keys.ts';
import * as providers from '../../../db/repositories/providers.ts';
import type { ContractContext } from './context.ts';

export function providerTests(ctx: ContractContext): void {
  describe('providers and keys', () => {
    it('creates, reads, updates and deletes a provider with its JSON blocks', async () => {
      const { db, box } = ctx;
      const created = await providers.createProvider(db, box, {
        name: 'openai',
        networkConfig: { base_url: 'https://api.openai.com', max_retries: 2 },
        concurrencyAndBufferSize: { concurrency: 10, buffer_size: 100 },
        proxyConfig: { type: 'http', url: 'http://proxy:1', password: 'pw-secret' },
        sendBackRawResponse: true,
      });
      expect(created.proxyConfig?.password).toBe('pw-secret');
      expect(created.sendBackRawResponse).toBe(true);
      const read = await providers.getProvider(db, box, 'openai');
      expect(read).toEqual(created);
      const updated = await providers.updateProvider(db, box, 'openai', {
        networkConfig: null,
        sendBackRawResponse: false,
      });
      expect(updated?.networkConfig).toBeNull();
      expect(updated?.sendBackRawResponse).toBe(false);
      expect(updated?.proxyConfig?.password).toBe('pw-secret');
      expect(await providers.listProviders(db, box)).toHaveLength(1);
      expect(await providers.deleteProvider(db, 'openai')).toBe(true);
      expect(await providers.getProvider(db, box, 'openai')).toBeUndefined();
      expect(await providers.deleteProvider(db, 'openai')).toBe(false);
    });

    it('round-trips every key field, booleans as booleans and secrets opened', async () => {
      const { db, box } = ctx;
      await providers.createProvider(db, box, { name: 'bedrock' });
      const key = await keys.createProviderKey(db, box, {
        provider: 'bedrock',
        name: 'main',
        value: 'literal-value',
        weight: 0.5,
        models: ['a', 'b'],
        blacklistedModels: ['c'],
        aliases: { big: 'claude' },
        useForBatchApi: true,
        bedrockKeyConfig: {
          region: 'us-east-1',
          access_key: 'AKIA',
          secret_key: 'shh',
          session_token: 'env.TOKEN',
        },
      });
      expect(key.id).toMatch(/./);
      const read = await keys.getProviderKey(db, box, key.id);
      expect(read).toEqual(key);
      expect(read?.value).toBe('literal-value');
      expect(read?.bedrockKeyConfig).toEqual({
        region: 'us-east-1',
        access_key: 'AKIA',
        secret_key: 'shh',
        session_token: 'env.TOKEN',
      });
      expect(typeof read?.enabled).toBe('boolean');
      expect(read?.enabled).toBe(true);
      expect(read?.useForBatchApi).toBe(true);
      expect(read?.weight).toBe(0.5);
      const updated = await keys.updateProviderKey(db, box, key.id, { enabled: false, value: 'env.NEW_KEY' });
      expect(updated?.enabled).toBe(false);
      expect(updated?.value).toBe('env.NEW_KEY');
      expect(await keys.listProviderKeys(db, box, 'bedrock')).toHaveLength(1);
      expect(await keys.deleteProviderKey(db, key.id)).toBe(true);
      expect(await keys.listProviderKeys(db, box)).toHaveLength(0);
    });

    it('rejects a duplicate key name within a provider but allows it across providers', async () => {
      const { db, box } = ctx;
      await providers.createProvider(db, box, { name: 'openai' });
      await providers.createProvider(db, box, { name: 'groq' });
      await keys.createProviderKey(db, box, { provider: 'openai', name: 'primary', value: 'a' });
      const duplicate = await keys
        .createProviderKey(db, box, { provider: 'openai', name: 'primary', value: 'b' })
        .catch((e: unknown) => e);
      expect(constraintViolation(duplicate)).toBe('unique');
      await keys.createProviderKey(db, box, { provider: 'groq', name: 'primary', value: 'c' });
      expect(await keys.listProviderKeys(db, box)).toHaveLength(2);
    });

    it('rejects a key for a provider that does not exist', async () => {
      const error = await keys
        .createProviderKey(ctx.db, ctx.box, { provider: 'nope', name: 'k' })
        .catch((e: unknown) => e);
      expect(constraintViolation(error)).toBe('foreign_key');
    });

    it('deleting a provider deletes its keys', async () => {
      const { db, box } = ctx;
      await providers.createProvider(db, box, { name: 'openai' });
      await keys.createProviderKey(db, box, { provider: 'openai', name: 'a' });
      await keys.createProviderKey(db, box, { provider: 'openai', name: 'b' });
      await providers.deleteProvider(db, 'openai');
      expect(await keys.listProviderKeys(db, box)).toEqual([]);
    });
  });
}
