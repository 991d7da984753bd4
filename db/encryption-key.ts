/**
 * Where the encryption key comes from. In order: HEIMDALL_ENCRYPTION_KEY, BIFROST_ENCRYPTION_KEY
 * (drop-in compatibility), the config file's `encryption_key` (which may be an `env.VAR`
 * reference). Embedded SQLite without a key generates one next to the database so `npm start`
 * just works; Postgres refuses, because replicas sharing the database must share the key.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { isEnvRef, envRefName } from './config/env-ref.ts';
import { createSecretBox, type SecretBox } from './crypto.ts';

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

export function loadSecretBox(options: EncryptionKeyOptions): SecretBox {
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
    warn(`No encryption key is configured; using the generated key in ${file}. ${advice}`);
    return readFileSync(file, 'utf8').trim();
  }
  mkdirSync(dataDir, { recursive: true });
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
