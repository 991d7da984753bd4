/**
 * Secret fields on their way out and back in. Reads never return a provider secret: values are
 * masked (`********abcd`) or shown as the `env.VAR` reference they are. A client that edits
 * what it read sends the mask back; the mask is then swapped for the stored secret, so
 * round-tripping a read (or an export) never overwrites a credential with asterisks.
 */
import { maskSecret } from '../db/index.ts';
import { ValidationError } from './errors.ts';

export type SecretPath = readonly string[];

/** Secret fields of a provider key, in the config-file shape. */
export const KEY_SECRET_PATHS: SecretPath[] = [
  ['value'],
  ['azure_key_config', 'client_secret'],
  ['bedrock_key_config', 'access_key'],
  ['bedrock_key_config', 'secret_key'],
  ['bedrock_key_config', 'session_token'],
  ['vertex_key_config', 'auth_credentials'],
];

export const PROVIDER_SECRET_PATHS: SecretPath[] = [['proxy_config', 'password']];

export const isMask = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith('********');

export function readPath(value: unknown, path: SecretPath): unknown {
  let current = value;
  for (const part of path)
    current = current && typeof current === 'object' ? (current as Record<string, unknown>)[part] : undefined;
  return current;
}

function write<T>(value: T, path: SecretPath, secret: unknown): T {
  const [head, ...rest] = path;
  if (head === undefined || !value || typeof value !== 'object') return value;
  const inner = (value as Record<string, unknown>)[head];
  return { ...value, [head]: rest.length === 0 ? secret : write(inner, rest, secret) };
}

/** Copies `config` with every secret field masked (references and empty strings stay readable). */
export function maskSecrets<T>(config: T, paths: SecretPath[]): T {
  let out = config;
  for (const path of paths) {
    const value = readPath(out, path);
    if (typeof value === 'string') out = write(out, path, maskSecret(value));
  }
  return out;
}

/**
 * Replaces masks in `incoming` by the stored secrets they stand for. A mask that matches no
 * stored secret is refused: storing asterisks as a credential is never what was meant.
 */
export function restoreMasked<T>(
  incoming: T,
  stored: unknown,
  paths: SecretPath[],
  toInputPath: (path: string) => string,
): T {
  let out = incoming;
  for (const path of paths) {
    const value = readPath(out, path);
    if (!isMask(value)) continue;
    const secret = readPath(stored, path);
    if (typeof secret !== 'string' || maskSecret(secret) !== value) {
      throw new ValidationError([
        {
          path: toInputPath(path.join('.')),
          message: 'a masked value does not match the stored secret; send the real secret',
        },
      ]);
    }
    out = write(out, path, secret);
  }
  return out;
}
