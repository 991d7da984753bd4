/**
 * AES-256-GCM secret box for provider keys and other credentials at rest, and where its key
 * comes from.
 *
 * Stored form: `enc:v1:<key id>:<base64(iv | tag | ciphertext)>`. The version lets a later
 * format coexist with this one; the key id (a short hash of the key, not the key) lets a wrong
 * key be reported as such instead of as corrupt data.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  scryptSync,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { envRefName, isEnvRef } from './config/env-ref.ts';
import { tightenFile } from './connection/private-files.ts';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Fixed so every replica derives the same key from the same passphrase. */
const PASSPHRASE_SALT = 'heimdall/encryption-key/v1';

export interface SecretBox {
  /** Short public identifier of the key, e.g. for logs: `key a1b2c3d4`. */
  readonly keyId: string;
  encrypt(plaintext: string): string;
  /** Throws {@link SecretDecryptionError} when the value was sealed with another key or is damaged. */
  decrypt(sealed: string): string;
  isEncrypted(value: string): boolean;
  /**
   * Keyed fingerprint (HMAC-SHA-256, hex) used for reconciliation content hashes: it changes
   * when a secret changes, but unlike a plain hash it cannot be brute-forced without the key.
   */
  fingerprint(text: string): string;
}

export class SecretDecryptionError extends Error {
  readonly code = 'SECRET_DECRYPTION_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

/**
 * Turns any configured key into 32 bytes: 64 hex characters or base64 of 32 bytes are used as
 * they are (what `openssl rand -hex 32` / `-base64 32` print); any other string is treated as a
 * passphrase and stretched with scrypt, so short human-chosen keys are not trivially guessable.
 */
export function deriveKey(key: string): Buffer {
  const trimmed = key.trim();
  if (trimmed.length === 0) throw new Error('the encryption key is empty');
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) {
    const raw = Buffer.from(trimmed, 'base64');
    if (raw.length === 32) return raw;
  }
  return scryptSync(trimmed, PASSPHRASE_SALT, 32, { N: 1 << 14, r: 8, p: 1 });
}

export function createSecretBox(key: string | Buffer): SecretBox {
  const master = typeof key === 'string' ? deriveKey(key) : key;
  if (master.length !== 32) throw new Error('the encryption key must be 32 bytes');
  // Separate subkeys so the fingerprint HMAC never reuses the cipher key.
  const cipherKey = Buffer.from(hkdfSync('sha256', master, '', 'heimdall/aes-256-gcm', 32));
  const macKey = Buffer.from(hkdfSync('sha256', master, '', 'heimdall/fingerprint', 32));
  const keyId = createHash('sha256').update(master).update('heimdall/key-id').digest('hex').slice(0, 8);

  return {
    keyId,
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', cipherKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${PREFIX}${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    decrypt(sealed) {
      return open(sealed, cipherKey, keyId);
    },
    isEncrypted: (value) => value.startsWith(PREFIX),
    fingerprint: (text) => createHmac('sha256', macKey).update(text).digest('hex'),
  };
}

function open(sealed: string, cipherKey: Buffer, keyId: string): string {
  if (!sealed.startsWith(PREFIX)) {
    throw new SecretDecryptionError('not an encrypted value (expected the enc:v1: prefix)');
  }
  const rest = sealed.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  const sealedBy = colon > 0 ? rest.slice(0, colon) : '';
  const raw = Buffer.from(rest.slice(colon + 1), 'base64');
  if (sealedBy !== keyId) {
    throw new SecretDecryptionError(
      `a stored secret was encrypted with key ${sealedBy || '(unknown)'} but the current encryption key is ${keyId}; ` +
        'set HEIMDALL_ENCRYPTION_KEY to the key the database was created with',
    );
  }
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError('a stored secret is truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', cipherKey, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new SecretDecryptionError(
      `a stored secret failed authentication with key ${keyId}: it was altered, or encrypted with a different key that has the same id`,
    );
  }
}

/*
 * Key sources, in order: HEIMDALL_ENCRYPTION_KEY, BIFROST_ENCRYPTION_KEY (drop-in
 * compatibility), the config file's `encryption_key` (which may be an `env.VAR` reference).
 * Embedded SQLite without a key generates one next to the database so `npm start` just works;
 * Postgres refuses, because replicas sharing the database must share the key.
 */
export interface EncryptionKeyOptions {
  dialect: 'sqlite' | 'postgres';
  /** The config file's `encryption_key`, possibly an `env.VAR` reference. */
  configKey?: string | undefined;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Directory for the generated SQLite key file. @default './data' */
  dataDir?: string | undefined;
  /** Called once when a generated key file is in use. @default console.warn */
  warn?: (message: string) => void;
}

export class EncryptionKeyError extends Error {
  readonly code = 'ENCRYPTION_KEY_REQUIRED';
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeyError';
  }
}

export const KEY_FILE_NAME = 'encryption.key';

/** The configured key, or undefined when none of the sources sets one. */
export function configuredKey(options: Pick<EncryptionKeyOptions, 'configKey' | 'env'>): string | undefined {
  const env = options.env ?? process.env;
  for (const name of ['HEIMDALL_ENCRYPTION_KEY', 'BIFROST_ENCRYPTION_KEY']) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  const fromConfig = options.configKey?.trim();
  if (!fromConfig) return undefined;
  if (!isEnvRef(fromConfig)) return fromConfig;
  const resolved = env[envRefName(fromConfig)]?.trim();
  if (!resolved) {
    throw new EncryptionKeyError(
      `encryption_key refers to environment variable ${envRefName(fromConfig)}, which is not set; export it or change encryption_key`,
    );
  }
  return resolved;
}

export function resolveSecretBox(options: EncryptionKeyOptions): SecretBox {
  const key = configuredKey(options);
  if (key) return createSecretBox(key);
  if (options.dialect === 'postgres') {
    throw new EncryptionKeyError(
      'No encryption key is configured. Provider secrets in Postgres are encrypted, and every replica sharing ' +
        'the database must use the same key to read them, so Heimdall will not invent one per process. ' +
        'Set HEIMDALL_ENCRYPTION_KEY (or BIFROST_ENCRYPTION_KEY, or encryption_key in the config file) to the ' +
        'same value on every replica, for example the output of `openssl rand -hex 32`.',
    );
  }
  return createSecretBox(keyFromFile(resolve(options.dataDir ?? './data'), options.warn ?? console.warn));
}

function keyFromFile(dataDir: string, warn: (message: string) => void): string {
  const file = join(dataDir, KEY_FILE_NAME);
  const advice =
    'Back it up together with the database: without it the stored secrets cannot be decrypted. ' +
    'Set HEIMDALL_ENCRYPTION_KEY to manage the key yourself.';
  if (existsSync(file)) {
    tightenFile(file, warn);
    warn(`No encryption key is configured; using the generated key in ${file}. ${advice}`);
    return readFileSync(file, 'utf8').trim();
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('hex');
  try {
    // 'wx' fails instead of overwriting when another process created the file meanwhile.
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
  warn(`No encryption key is configured, so Heimdall generated one in ${file} (mode 0600). ${advice}`);
  return key;
}
