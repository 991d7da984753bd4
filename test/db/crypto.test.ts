import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  configuredKey,
  createSecretBox,
  deriveKey,
  EncryptionKeyError,
  KEY_FILE_NAME,
  resolveSecretBox,
  SecretDecryptionError,
} from '../../db/crypto.ts';
import { maskSecret, presentSecret, sealSecret, openSecret } from '../../db/secrets.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-key-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('secret box', () => {
  it('round-trips, with a fresh IV each time, in the versioned format', () => {
    const box = createSecretBox('a passphrase');
    const a = box.encrypt('sk-secret ✓');
    const b = box.encrypt('sk-secret ✓');
    expect(a).toMatch(new RegExp(`^enc:v1:${box.keyId}:[A-Za-z0-9+/=]+$`));
    expect(a).not.toBe(b);
    expect(box.decrypt(a)).toBe('sk-secret ✓');
    expect(box.isEncrypted(a)).toBe(true);
    expect(box.isEncrypted('sk-plain')).toBe(false);
    expect(box.decrypt(box.encrypt(''))).toBe('');
  });

  it('says clearly when the key is wrong or the data was altered', () => {
    const sealed = createSecretBox('key one').encrypt('secret');
    const other = createSecretBox('key two');
    expect(() => other.decrypt(sealed)).toThrow(SecretDecryptionError);
    expect(() => other.decrypt(sealed)).toThrow(
      /encrypted with key [0-9a-f]{8} but the current encryption key is/,
    );
    const box = createSecretBox('key one');
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.decrypt(tampered)).toThrow(/failed authentication/);
    expect(() => box.decrypt('plain')).toThrow(/not an encrypted value/);
  });

  it('uses 64 hex characters or base64 of 32 bytes directly, and stretches anything else', () => {
    const raw = Buffer.alloc(32, 7);
    expect(deriveKey(raw.toString('hex'))).toEqual(raw);
    expect(deriveKey(raw.toString('base64'))).toEqual(raw);
    expect(deriveKey('your-32-byte-key')).toHaveLength(32);
    expect(deriveKey('your-32-byte-key')).toEqual(deriveKey('your-32-byte-key'));
    expect(createSecretBox(raw.toString('hex')).keyId).toBe(createSecretBox(raw).keyId);
    expect(() => deriveKey('  ')).toThrow(/empty/);
  });

  it('fingerprints with the key, so equal text matches only under the same key', () => {
    const box = createSecretBox('k');
    expect(box.fingerprint('x')).toBe(createSecretBox('k').fingerprint('x'));
    expect(box.fingerprint('x')).not.toBe(createSecretBox('other').fingerprint('x'));
  });
});

describe('secret fields', () => {
  const box = createSecretBox('fields');
  it('seals literals, keeps env references and empty strings', () => {
    expect(sealSecret(box, 'env.OPENAI_KEY')).toBe('env.OPENAI_KEY');
    expect(sealSecret(box, '')).toBe('');
    expect(openSecret(box, sealSecret(box, 'sk-1'))).toBe('sk-1');
  });
  it('masks and references', () => {
    expect(maskSecret('sk-abcdefghijkl1234')).toBe('********1234');
    expect(maskSecret('short')).toBe('********');
    expect(presentSecret('sk-x', 'reference', ['open-ai', 'key 1', 'value'])).toBe('env.OPEN_AI_KEY_1_VALUE');
    expect(presentSecret('env.X', 'masked', ['a'])).toBe('env.X');
  });
});

describe('encryption key sources', () => {
  it('prefers HEIMDALL_ENCRYPTION_KEY, then BIFROST_ENCRYPTION_KEY, then the config (env refs resolved)', () => {
    expect(
      configuredKey({ env: { HEIMDALL_ENCRYPTION_KEY: 'h', BIFROST_ENCRYPTION_KEY: 'b' }, configKey: 'c' }),
    ).toBe('h');
    expect(configuredKey({ env: { BIFROST_ENCRYPTION_KEY: 'b' }, configKey: 'c' })).toBe('b');
    expect(configuredKey({ env: {}, configKey: 'c' })).toBe('c');
    expect(configuredKey({ env: { MY_KEY: 'resolved' }, configKey: 'env.MY_KEY' })).toBe('resolved');
    expect(() => configuredKey({ env: {}, configKey: 'env.MISSING' })).toThrow(/MISSING, which is not set/);
    expect(configuredKey({ env: {} })).toBeUndefined();
  });

  it('SQLite without a key generates a 0600 key file, warns once, and reuses it', () => {
    const dataDir = join(tempDir(), 'data');
    const warn = vi.fn();
    const box = resolveSecretBox({ dialect: 'sqlite', env: {}, dataDir, warn });
    const file = join(dataDir, KEY_FILE_NAME);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/generated one in .*encryption\.key.*Back it up/);
    const sealed = box.encrypt('kept');
    const again = resolveSecretBox({ dialect: 'sqlite', env: {}, dataDir, warn: vi.fn() });
    expect(again.decrypt(sealed)).toBe('kept');
  });

  it('a configured key wins and writes no file', () => {
    const dataDir = tempDir();
    const warn = vi.fn();
    resolveSecretBox({ dialect: 'sqlite', env: { HEIMDALL_ENCRYPTION_KEY: 'set' }, dataDir, warn });
    expect(() => statSync(join(dataDir, KEY_FILE_NAME))).toThrow();
    expect(warn).not.toHaveBeenCalled();
  });

  it('Postgres without a key refuses, explaining what, why and how', () => {
    const attempt = () => resolveSecretBox({ dialect: 'postgres', env: {}, dataDir: tempDir() });
    expect(attempt).toThrow(EncryptionKeyError);
    expect(attempt).toThrow(/No encryption key is configured/);
    expect(attempt).toThrow(/every replica/);
    expect(attempt).toThrow(/HEIMDALL_ENCRYPTION_KEY/);
    expect(resolveSecretBox({ dialect: 'postgres', env: { BIFROST_ENCRYPTION_KEY: 'k' } }).keyId).toMatch(
      /^[0-9a-f]{8}$/,
    );
  });
});
